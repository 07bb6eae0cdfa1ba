"""Run one trial in a forked child the caller can always abandon: :func:`run_trial`.

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
  unresponsive child (killed at the deadline: reported as a HANG without stacks).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from stress import child
from stress.config import TrialConfig
from stress.errors import InternalError, UsageError
from stress.targets import TargetSpec

#: Seconds past the trial timeout before the parent kills a child that never answered:
#: the watchdog's confirmation (5 s), the leak grace (1.5 s), and slack.
HARD_EXTRA = 7.5
#: How long a child that never answered gets to dump its stacks after SIGABRT.
ABORT_WAIT = 0.5
#: How much of what the target printed a record keeps (its end).
OUTPUT_TAIL = 4000


@dataclass
class TrialRecord:
    """What one trial showed; ``category`` is ``None`` when it passed (or was skipped)."""

    config: TrialConfig
    category: str | None = None
    summary: str = ""
    details: list[str] = field(default_factory=list)
    skipped: bool = False
    duration: float = 0.0  # seconds from the call to its return, raise or hang verdict
    wall: float = 0.0  # seconds the whole trial took, fork to reap
    counts: dict[str, int] = field(default_factory=dict)  # expected, returned, lost, ...
    output: str = ""  # the end of what the target printed

    @property
    def results_lost(self) -> int:
        return self.counts.get("lost", 0)

    @property
    def live_workers(self) -> int:
        return self.counts.get("live_workers", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "category": self.category,
            "summary": self.summary,
            "details": self.details,
            "skipped": self.skipped,
            "duration": round(self.duration, 4),
            "wall": round(self.wall, 4),
            "counts": self.counts,
            "output": self.output,
        }


def _child(spec: TargetSpec, config: TrialConfig, timeout: float, fd: int, out: int) -> None:
    try:
        gc.freeze()  # the parent's objects are not the trial's: collect only what it makes
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        child.main(spec, config, timeout, fd)
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


class _Channel:
    """Reads the child's JSON lines with deadlines; notices the child's death."""

    def __init__(self, fd: int, pid: int) -> None:
        self.fd, self.pid = fd, pid
        self._buffer = b""
        self.status: int | None = None
        self.eof = False

    def next_message(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or ``None`` at the deadline or once the child is gone."""
        while b"\n" not in self._buffer:
            if self.status is not None:
                return None
            if self.eof:  # the child is exiting: its status follows the end of the pipe
                self._reap(deadline)
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.25))
            if ready:
                chunk = os.read(self.fd, 1 << 16)
                if chunk:
                    self._buffer += chunk
                    continue
                self.eof = True
            if self.status is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.status = status
                    self._drain()
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError as error:
            raise InternalError(f"unreadable message from a trial: {error}") from None
        if not isinstance(message, dict):
            raise InternalError("unreadable message from a trial")
        return message

    def _reap(self, deadline: float) -> None:
        while self.status is None and time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
            else:
                time.sleep(0.005)  # noqa: TID251 -- polling an exiting child, bounded

    def _drain(self) -> None:
        while True:
            ready, _, _ = select.select([self.fd], [], [], 0)
            if not ready:
                return
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                self.eof = True
                return
            self._buffer += chunk


def run_trial(
    spec: TargetSpec,
    config: TrialConfig,
    *,
    trial_timeout: float = 2.0,
    ready_timeout: float = 10.0,
) -> TrialRecord:
    """Run ``config`` on ``spec`` in a child; never hangs and leaves no process behind.

    Raises :class:`UsageError` when the target cannot be imported or called (the
    child's one-line message), :class:`InternalError` when the harness failed.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    capture = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by _tail in finally
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        _child(spec, config, trial_timeout, write_fd, capture.fileno())
    os.close(write_fd)
    with contextlib.suppress(OSError):  # also here, so a kill before the child's own works
        os.setpgid(pid, pid)
    channel = _Channel(read_fd, pid)
    try:
        record = _await_verdict(channel, config, started, trial_timeout, ready_timeout)
    finally:
        _kill_group(pid)
        if channel.status is None:
            os.waitpid(pid, 0)
        os.close(read_fd)
        output = _tail(capture)
    record.wall = time.monotonic() - started
    record.output = output
    return record


def _await_verdict(
    channel: _Channel,
    config: TrialConfig,
    started: float,
    trial_timeout: float,
    ready_timeout: float,
) -> TrialRecord:
    message = channel.next_message(started + ready_timeout)
    if message is None:
        return _no_verdict(config, channel, started, importing=True, limit=ready_timeout)
    if message.get("kind") == "usage":
        raise UsageError(str(message.get("message")))
    if message.get("kind") == "internal":
        raise InternalError(str(message.get("message")))
    limit = trial_timeout + HARD_EXTRA
    message = channel.next_message(time.monotonic() + limit)
    if message is None:
        return _no_verdict(config, channel, started, importing=False, limit=limit)
    if message.get("kind") == "internal":
        raise InternalError(f"{message.get('message')}\n{message.get('traceback', '')}")
    return TrialRecord(
        config=config,
        category=message.get("category"),
        summary=str(message.get("summary", "")),
        details=[str(line) for line in message.get("details", [])],
        skipped=bool(message.get("skipped", False)),
        duration=float(message.get("duration", 0.0)),
        counts={str(k): int(v) for k, v in dict(message.get("counts", {})).items()},
    )


def _abort_for_stacks(channel: _Channel) -> None:
    """SIGABRT: the child's faulthandler writes every thread's stack, then it dies."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(channel.pid, signal.SIGABRT)
        deadline = time.monotonic() + ABORT_WAIT
        while time.monotonic() < deadline:
            done, status = os.waitpid(channel.pid, os.WNOHANG)
            if done:
                channel.status = status
                return
            time.sleep(0.02)  # noqa: TID251 -- polling a dying child, bounded


def _tail(capture: Any) -> str:
    try:
        size = capture.seek(0, os.SEEK_END)
        capture.seek(max(0, size - OUTPUT_TAIL))
        data: bytes = capture.read()
        return data.decode("utf-8", "replace")
    finally:
        capture.close()


def _no_verdict(
    config: TrialConfig, channel: _Channel, started: float, *, importing: bool, limit: float
) -> TrialRecord:
    if channel.status is not None:
        how = _describe_status(channel.status)
        if importing:
            raise UsageError(f"the target's module ended the process while importing ({how})")
        return TrialRecord(
            config=config,
            category="UNEXPECTED_ERROR",
            summary=f"the trial's process ended without returning or raising ({how})",
            details=[
                "the target (or something it called) ended the process: os._exit(), "
                "a fatal signal, or a crash in C code"
            ],
            duration=time.monotonic() - started,
        )
    if importing:
        raise UsageError(f"importing the target did not finish within {limit:.0f} s")
    _abort_for_stacks(channel)
    return TrialRecord(
        config=config,
        category="HANG",
        summary=f"the trial's process did not answer within {limit:.1f} s and was killed",
        details=[
            "the harness's watchdog could not report (a thread may hold the GIL in C code);",
            "what faulthandler dumped, if anything, is in the output below",
        ],
        duration=time.monotonic() - started,
    )
