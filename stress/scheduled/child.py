"""Controlled runs in a fresh interpreter, bounded in real time.

``python -m stress.scheduled.child MODULE:FUNCTION JSON`` installs the stand-ins
(unless ``STRESS_SCHEDULED_STAND_INS=0``: the real primitives, for comparison),
then imports ``MODULE`` (so the target it imports binds to them), calls
``FUNCTION(**JSON)`` and prints one line ``RESULT <json>`` with what it returned,
then ends with ``os._exit`` (a run's leftovers never delay the exit).
:func:`run_job` is the parent's side: it starts that child with ``PYTHONHASHSEED=0``
(a replay in another process then meets the same set and dict orders), kills it at
``timeout`` seconds and raises :class:`JobFailed` when it ends without a result, so
a bug in the scheduler cannot hang the caller.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

from stress.scheduled.standins import install

_MARK = "RESULT "
_INSTALL = "STRESS_SCHEDULED_STAND_INS"  # "0": run the job on the real primitives
_ROOT = Path(__file__).resolve().parents[2]


class JobFailed(RuntimeError):
    """The child timed out, died, or its job raised (the message says which)."""


def run_job(
    job: str,
    args: dict[str, Any],
    *,
    timeout: float,
    python: str = sys.executable,
    cwd: Path | None = None,
    stand_ins: bool = True,
) -> Any:
    """What ``job`` (``module:function``) returned in a fresh child; ``stand_ins=False``
    runs it on CPython's real primitives (to compare the two)."""
    env = {**os.environ, "PYTHONHASHSEED": "0", _INSTALL: "1" if stand_ins else "0"}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(cwd or _ROOT), env.get("PYTHONPATH", "")) if p
    )
    command = [python, "-m", "stress.scheduled.child", job, json.dumps(args)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd or _ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        raise JobFailed(f"{job}: no result within {timeout:g} s (killed)") from expired
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_MARK):
            payload = json.loads(line[len(_MARK) :])
            if payload["ok"]:
                return payload["result"]
            raise JobFailed(f"{job} raised:\n{payload['error']}")
    raise JobFailed(f"{job}: exit {done.returncode} without a result; stderr:\n{done.stderr}")


def main(argv: list[str]) -> None:
    if os.environ.get(_INSTALL, "1") == "1":
        install()
    module_name, _, function_name = argv[1].partition(":")
    args = json.loads(argv[2])
    try:
        job = getattr(importlib.import_module(module_name), function_name)
        payload = {"ok": True, "result": job(**args)}
    except BaseException:
        payload = {"ok": False, "error": traceback.format_exc()}
    sys.stdout.write("\n" + _MARK + json.dumps(payload) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
