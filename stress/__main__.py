"""``python -m stress``: see :mod:`stress.faces.cli`."""

import sys

from stress.faces.cli import main

sys.exit(main())
