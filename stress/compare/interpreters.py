"""``compare --python PATH``: the same campaign on other interpreters, run as children.

Each interpreter runs ``PATH -m stress compare --seed S --out TMP`` (with the caller's
``--quick`` and ``--variants``) one after the other, so its trials see that
interpreter (the free-threaded 3.14t, say) and the whole machine; its
``records.jsonl`` is read back and every record tagged with its ``interpreter``.

Invariants: an interpreter that cannot run this package is a usage error found before
any campaign starts (one line, exit 2 upstream); a child interrupted by Ctrl-C leaves
its partial records, which are kept and the report marked partial; a child that runs
past :data:`CAMPAIGN_LIMIT` is killed and named in a one-line error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from stress.compare.records import Record, load

#: Seconds an interpreter gets to say whether it can import this package.
PROBE_TIMEOUT = 60.0
#: Seconds one interpreter's campaign may take before it is killed (a full one takes
#: about 3 minutes on 2 cores, a quick one under 1): a bound, never a schedule.
CAMPAIGN_LIMIT = 1800.0
QUICK_LIMIT = 600.0
_PROBE = "import stress; from stress.core.version import interpreter_label as l; print(l())"


class InterpreterError(Exception):
    """An interpreter given with ``--python`` cannot run the campaign (one-line message)."""


def probe(path: str) -> str:
    """The interpreter's label (``3.14.7t``); :class:`InterpreterError` if it is unusable."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise InterpreterError(f"--python {path}: no executable file there")
    try:
        done = subprocess.run(
            [path, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InterpreterError(f"--python {path}: cannot run it ({error})") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InterpreterError(
            f"--python {path}: cannot import this package there ({last}); "
            f"install it into that interpreter: {path} -m pip install -e ."
        )
    return done.stdout.strip()


def run_campaign(
    path: str, *, seed: int, quick: bool, variants: Sequence[str] | None, taken: set[str]
) -> tuple[list[Record], bool]:
    """The campaign's records from ``path`` (tagged), and whether it was interrupted.

    The tag is the interpreter's label, made unique among ``taken`` (then added to it):
    the same version given twice gets its path after the label.
    """
    with tempfile.TemporaryDirectory(prefix="stress-compare-") as folder:
        command = [path, "-m", "stress", "compare", "--seed", str(seed), "--out", folder]
        if quick:
            command.append("--quick")
        if variants:
            command += ["--variants", *variants]
        limit = QUICK_LIMIT if quick else CAMPAIGN_LIMIT
        try:
            done = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=sys.stderr, check=False, timeout=limit
            )
        except subprocess.TimeoutExpired:  # killed; its trials die with it (PDEATHSIG)
            raise InterpreterError(
                f"--python {path}: its campaign did not finish within {limit:g} s"
            ) from None
        records_file = Path(folder) / "records.jsonl"
        if not records_file.exists():
            raise InterpreterError(f"--python {path}: its campaign wrote no records")
        records = load(records_file)
    label = next((str(r["interpreter"]) for r in records if r.get("type") == "env"), path)
    if label in taken:
        label = f"{label} ({path})"
    taken.add(label)
    for record in records:
        record["interpreter"] = label
        if record.get("type") == "env":
            record["executable"] = path
    return records, done.returncode == 130
