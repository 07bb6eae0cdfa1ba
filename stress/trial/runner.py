"""Run one trial in a forked child the caller can always abandon: :class:`TrialProcess`,
:func:`run_trial`.

Invariants:

* The trial runs in a child made by ``os.fork`` (so any callable, closures included,
  can be a target) that leads its own process group, reads ``/dev/null`` and writes
  fds 1 and 2 to a capture file: what the target prints never reaches the verdict.
* The parent never waits without a deadline: ``ready_timeout`` for the import, then
  ``trial_timeout + HARD_EXTRA`` for the verdict.  Whatever happens (verdict, crash,
  deadline, Ctrl-C) the child's whole process group is killed with SIGKILL and the
  child reaped before :func:`run_trial` returns or raises, so a target that hangs,
  leaks non-daemon threads, blocks interpreter exit or spawns processes costs at most
  those deadlines.
* The record says honestly what happened: a verdict from the child, a crash (the
  process ended without one: ``os._exit`` in the target, a fatal signal), or an
  unresponsive child (killed at the deadline: reported as a HANG without stacks,
  unless its threads were seen waiting for a CPU for ``STARVED_LOOK`` first: then it
  is a *starved* unconfirmed HANG, which the search counts a slow pass).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from stress.core import forking
from stress.core.config import TrialConfig
from stress.core.errors import InternalError, UsageError
from stress.core.record import ChildShrink, TrialRecord
from stress.forms.targets import TargetSpec
from stress.trial import child
from stress.trial.watchdog import waited_for_cpu

#: Seconds past the trial timeout before the parent kills a child that never answered:
#: the watchdog's confirmation (5 s), the leak grace (1.5 s), and slack.
HARD_EXTRA = 7.5
#: How long a child that never answered gets to dump its stacks after SIGABRT.
ABORT_WAIT = 0.5
#: How long such a child is watched first, for starvation (its threads waiting for a
#: CPU: a loaded free-threaded 3.14 once missed this deadline with a correct pipeline),
#: and the share of one CPU it ran under to count as starved.  A wedged child runs its
#: share of the machine (2 CPUs among 7 busy processes: 28 %); a starved 3.14t child
#: ran 1 % over 0.3 s; at 0.3 s and 5 %, one of 36 loaded 3.14t searches still made the
#: "did not answer" HANG (not reproduced in 20 replays of its configuration).
STARVED_LOOK = 0.5
STARVED_SHARE_AT_DEADLINE = 0.1
#: How much of what the target printed a record keeps (this much of its start and end).
OUTPUT_TAIL = 4000


#: prctl(2): the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """On Linux, a trial is killed the moment its harness dies (killed, crashed), rather
    than living on until its own watchdog ends it (the trial timeout, and more).

    The kernel sends the signal when the *thread* that forked the trial ends, not only
    the process: a :class:`TrialProcess` must be polled to its end on the thread that
    made it, as the search and compare's pool threads do.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the harness died before the request took effect
        os._exit(70)


#: What runs in a trial's child once its stdio is set: ``main(spec, config, timeout, fd)``.
ChildMain = Callable[[TargetSpec, TrialConfig, float, int], None]


def _child(
    spec: TargetSpec,
    config: TrialConfig,
    timeout: float,
    fd: int,
    out: int,
    *,
    parent: int,
    main: ChildMain,
) -> None:
    try:
        _die_with_parent(parent)
        gc.freeze()  # the parent's objects are not the trial's: collect only what it makes
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        main(spec, config, timeout, fd)
    finally:
        os._exit(70)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"killed by signal {name}"
    return f"exit status {os.WEXITSTATUS(status)}"


class TrialProcess:
    """One trial's child, driven without blocking: :meth:`poll` until it gives a record.

    ``fileno()`` is readable when the child wrote; :attr:`deadline` is when
    :meth:`poll` gives up on it.  :meth:`abandon` kills it without a record.
    """

    def __init__(
        self,
        spec: TargetSpec,
        config: TrialConfig,
        *,
        trial_timeout: float,
        ready_timeout: float,
        main: ChildMain = child.main,
    ) -> None:
        """``main``: the child's life (real threads: :func:`stress.trial.child.main`)."""
        self.config, self.trial_timeout = config, trial_timeout
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        self._capture = tempfile.TemporaryFile()  # noqa: SIM115 -- closed in _close
        read_fd, write_fd = os.pipe()
        self.started = time.monotonic()
        parent = os.getpid()
        try:
            pid = forking.fork()
        except BaseException:  # a Ctrl-C during the fork: nothing of this trial stays open
            os.close(read_fd)
            os.close(write_fd)
            self._capture.close()
            raise
        if pid == 0:  # pragma: no cover - the child never returns
            os.close(read_fd)
            _child(
                spec,
                config,
                trial_timeout,
                write_fd,
                self._capture.fileno(),
                parent=parent,
                main=main,
            )
        os.close(write_fd)
        with contextlib.suppress(OSError):  # also here, so a kill before the child's works
            os.setpgid(pid, pid)
        self.pid, self.fd = pid, read_fd
        os.set_blocking(read_fd, False)
        self.deadline = self.started + ready_timeout
        self._ready_timeout = ready_timeout
        self._ready = False
        self._buffer = b""
        self._status: int | None = None
        self._closed = False

    def fileno(self) -> int:
        return self.fd

    def poll(self) -> TrialRecord | None:
        """Read what the child wrote; the record once there is one, else ``None``.

        Raises :class:`UsageError` (the target cannot be imported or called) and
        :class:`InternalError`; the child is gone whenever this returns a record or
        raises.
        """
        try:
            eof = self._read()
            while b"\n" in self._buffer:
                line, _, self._buffer = self._buffer.partition(b"\n")
                record = self._handle(_decode(line))
                if record is not None:
                    return self._finish(record)
            if eof:
                self._reap(time.monotonic() + 2.0)
                return self._finish(self._no_verdict())
            if time.monotonic() >= self.deadline:
                return self._finish(self._no_verdict())
            return None
        except BaseException:
            self.abandon()
            raise

    def abandon(self) -> None:
        """Kill the child's process group and reap it; no record."""
        if not self._closed:
            self._close()

    def _read(self) -> bool:
        """Append what is there to the buffer; True at end of file."""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return False
            if not chunk:
                return True
            self._buffer += chunk

    def _handle(self, message: dict[str, Any]) -> TrialRecord | None:
        kind = message.get("kind")
        if kind == "ready" and not self._ready:
            self._ready = True
            self.deadline = time.monotonic() + self.trial_timeout + HARD_EXTRA
            return None
        if kind == "usage":
            raise UsageError(str(message.get("message")))
        if kind == "internal":
            raise InternalError(f"{message.get('message')}\n{message.get('traceback', '')}")
        if kind != "verdict":
            raise InternalError(f"unexpected message from a trial: {kind!r}")
        exact, shrunk = None, None
        if "decisions" in message:  # the deterministic mode's failing schedule
            found_as = self.config
            if "shrunk" in message:  # ... of the configuration the child shrank it to
                done = dict(message["shrunk"])
                try:
                    found_as = TrialConfig.from_json(done["config"])
                except ValueError as error:
                    raise InternalError(f"a trial sent a bad shrunk config: {error}") from None
                shrunk = ChildShrink(
                    steps=tuple(str(step) for step in done["steps"]),
                    runs=int(done["runs"]),
                    finished=bool(done["finished"]),
                )
            exact = dataclasses.replace(
                found_as,
                decisions=tuple(int(d) for d in message["decisions"]),
                python=str(message.get("python", "")),
                source=str(message.get("source", "")),
                points=str(message.get("points", "sync")),
            )
        return TrialRecord(
            exact_config=exact,
            shrunk=shrunk,
            uncontrolled=str(message.get("uncontrolled", "")),
            config=self.config,
            category=message.get("category"),
            summary=str(message.get("summary", "")),
            details=[str(line) for line in message.get("details", [])],
            skipped=bool(message.get("skipped", False)),
            duration=float(message.get("duration", 0.0)),
            counts={str(k): int(v) for k, v in dict(message.get("counts", {})).items()},
            unconfirmed=bool(message.get("unconfirmed", False)),
            starved=bool(message.get("starved", False)),
        )

    def _reap(self, deadline: float) -> None:
        while self._status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._status = status
            elif time.monotonic() >= deadline:
                return
            else:
                time.sleep(0.005)  # noqa: TID251 -- polling an exiting child, bounded

    def _no_verdict(self) -> TrialRecord:
        """The child ended, or missed its deadline, without a final message."""
        elapsed = time.monotonic() - self.started
        if self._status is not None:
            how = _describe_status(self._status)
            if not self._ready:
                raise UsageError(f"the target's module ended the process while importing ({how})")
            return TrialRecord(
                config=self.config,
                category="UNEXPECTED_ERROR",
                summary=f"the trial's process ended without returning or raising ({how})",
                details=[
                    "the target (or something it called) ended the process: os._exit(), "
                    "a fatal signal, or a crash in C code"
                ],
                duration=elapsed,
            )
        if not self._ready:
            raise UsageError(
                f"importing the target did not finish within {self._ready_timeout:.0f} s"
            )
        starved = waited_for_cpu(self.pid, STARVED_LOOK, STARVED_SHARE_AT_DEADLINE)
        self._abort_for_stacks()
        why = (
            "its threads were waiting for a CPU the machine gave to other processes "
            "(starved: no evidence of a hang);"
            if starved
            else "the harness's watchdog could not report (a thread may hold the GIL in C code);"
        )
        return TrialRecord(
            config=self.config,
            category="HANG",
            summary=(
                f"the trial's process did not answer within "
                f"{self.trial_timeout + HARD_EXTRA:.1f} s and was killed"
            ),
            details=[why, "what faulthandler dumped, if anything, is in the output below"],
            duration=elapsed,
            unconfirmed=starved,
            starved=starved,
        )

    def _abort_for_stacks(self) -> None:
        """SIGABRT: the child's faulthandler writes every thread's stack, then it dies."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGABRT)
            self._reap(time.monotonic() + ABORT_WAIT)

    def _finish(self, record: TrialRecord) -> TrialRecord:
        record.output = self._close()
        record.wall = time.monotonic() - self.started
        return record

    def _close(self) -> str:
        self._closed = True
        _kill_group(self.pid)
        if self._status is None:
            os.waitpid(self.pid, 0)
            self._status = 0
        os.close(self.fd)
        return _tail(self._capture)


def _decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except ValueError as error:
        raise InternalError(f"unreadable message from a trial: {error}") from None
    if not isinstance(message, dict):
        raise InternalError("unreadable message from a trial")
    return message


def _tail(capture: Any) -> str:
    """The start and the end of what the trial wrote (a stack dump can be long)."""
    try:
        size = capture.seek(0, os.SEEK_END)
        capture.seek(0)
        if size <= 2 * OUTPUT_TAIL:
            data: bytes = capture.read()
        else:
            head = capture.read(OUTPUT_TAIL)
            capture.seek(size - OUTPUT_TAIL)
            skipped = f"\n[... {size - 2 * OUTPUT_TAIL} bytes left out ...]\n".encode()
            data = head + skipped + capture.read()
        return data.decode("utf-8", "replace")
    finally:
        capture.close()
