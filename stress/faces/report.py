"""Verdict text, replay tokens and the ``--json`` document (CONTRACT.md section 3).

Text verdict, on a defect::

    DEFECT <CATEGORY> <summary>
    config: <the trial's configuration, compact JSON>
    seed: <int>
    replay: <command line, or a check(..., replay=...) call>
    <details: the trial in words, items concerned, stacks, what the target printed>

and on success exactly one line ``PASS trials=<n> configurations=<m> seed=<s>``
followed by `` skipped=<k>`` (fields are only ever appended).

A replay token is the trial's configuration as compact JSON with ``"v"``, its format
version; items are rebuilt from (seed, k) and never stored.  ``--replay`` takes the
token, or a path to a JSON file holding a token object or a ``--json`` document.

The ``--json`` document, ``schema_version`` 1 (new keys may be added; none removed)::

    {
      "schema_version": 1,
      "harness_version": str,
      "target": str,                      # as given: variant, module:attribute, qualname
      "verdict": "PASS" | "DEFECT" | "INTERRUPTED",
      "seed": int, "trials": int, "configurations": int, "skipped": int,
      "elapsed_s": float, "budget_s": float, "trial_timeout_s": float,
      "options": {"stages", "workers", "max_items", "faults", "awkward", "mode", "fixed"},
      "defect": null | {
        "category": str, "summary": str,
        "config": {...}, "token": str, "replay": str,
        "details": [str],
        "trial": {"category", "summary", "details", "skipped", "duration", "wall",
                  "counts": {"expected", "returned", "wrong", "duplicated", "lost",
                             "live_workers", "faults", "harness_delay_ms", ...},
                  "output", "config"}
      },
      "reproduction": null | {           # how often the reported trial showed it again
        "status": "reproduced" | "flaky" | "not reproduced" | "not measured",
        "runs": int, "reproduced": int,
        "text": str, "note": str | null, "advice": str | null   (after a search)
      }
    }

A search's re-runs that did not always show the defect again say so plainly: the
verdict line ends ``(replay: not reproduced in N runs)`` or ``(replay: flaky,
reproduced r/N re-runs)``, the first detail lines say how the re-runs went and what to
do, and ``reproduction`` has the same as ``note`` and ``advice``; a ``--replay`` whose
runs never showed it ends ``PASS ... replay=not-reproduced``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from stress.core.config import CONFIG_VERSION, TrialConfig
from stress.core.errors import UsageError
from stress.core.record import TrialRecord
from stress.forms.protocol import TargetForm

SCHEMA_VERSION = 1


def config_json(config: TrialConfig) -> str:
    return json.dumps(config.to_json(), sort_keys=True, separators=(",", ":"))


def make_token(config: TrialConfig) -> str:
    data = {"v": CONFIG_VERSION, **config.to_json()}
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def parse_token(text: str) -> TrialConfig:
    """The config a token (or a JSON file holding one) names; ``UsageError`` if none."""
    source = "replay token"
    stripped = text.strip()
    if not stripped.startswith("{"):
        try:
            with open(stripped, encoding="utf-8") as handle:
                stripped = handle.read()
        except OSError as error:
            raise UsageError(
                f"--replay: {text!r} is neither a JSON token nor a readable file "
                f"({error.strerror or error})"
            ) from None
        source = f"replay file {text}"
    try:
        data = json.loads(stripped)
    except ValueError as error:
        raise UsageError(f"{source} is not valid JSON: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("defect"), dict):
        data = data["defect"].get("config")  # a --json document
    if isinstance(data, dict) and isinstance(data.get("token"), str):
        return parse_token(data["token"])
    if not isinstance(data, dict):
        raise UsageError(f"{source} holds no trial configuration")
    data = dict(data)
    version = data.pop("v", CONFIG_VERSION)
    if version != CONFIG_VERSION:
        raise UsageError(
            f"{source} has format version {version}; this harness reads {CONFIG_VERSION}"
        )
    try:
        return TrialConfig.from_json(data)
    except ValueError as error:
        raise UsageError(f"{source}: {error}") from None


def describe(config: TrialConfig, form: TargetForm) -> str:
    shape, values = form.shape_text(config)
    if config.fault_stage is None:
        fault = "no injected fault"
    elif config.fault_call < 0:
        fault = f"a fault on every call of stage {config.fault_stage}"
    else:
        fault = f"a fault on call #{config.fault_call} of stage {config.fault_stage}"
    preempt = float(getattr(config, "preempt", 0.0))
    pressure = "no forced preemption"
    if preempt:
        where = "bytecodes" if getattr(config, "preempt_ops", False) else "lines"
        hold = float(getattr(config, "preempt_hold_us", 0.0))
        how = f"held ~{hold:g} us" if hold else "a yield"
        pressure = f"preemption at {preempt:.1%} of the target's {where} ({how})"
    timing = f"switch interval {config.switch_interval:g} s, {pressure}"
    if config.mode == "scheduled":
        timing = "under the controlled scheduler"
    return (
        f"trial k={config.k}: {shape}, "
        f"{config.items} item(s), {values}, {fault}, schedule {config.schedule}, "
        f"{timing}, "
        f"strategy {getattr(config, 'strategy', 'timing')}"
    )


def defect_text(
    record: TrialRecord, *, seed: int, replay: str, form: TargetForm, note: str | None = None
) -> str:
    """The report (CONTRACT.md section 3); ``note``, appended to the verdict line in
    parentheses, says when the replay line may not show the defect."""
    lines = [
        f"DEFECT {record.category} {record.summary}" + (f" ({note})" if note else ""),
        f"config: {config_json(record.config)}",
        f"seed: {seed}",
        f"replay: {replay}",
        describe(record.config, form),
        *record.details,
    ]
    if record.output.strip():
        lines.append("output of the target (its end):")
        lines.extend("  " + line for line in record.output.rstrip().splitlines())
    return "\n".join(lines)


def pass_text(
    *,
    trials: int,
    configurations: int,
    seed: int,
    skipped: int,
    results_checked: bool = True,
    errors_checked: bool = True,
    mode: str = "threads",
    uncontrolled: int = 0,
    fallback: str = "",
) -> str:
    """The PASS line; a scheduled search appends ``mode=scheduled``, or, when it (or an
    ``auto`` search) fell back to real threads, ``mode=threads uncontrolled=<n>`` and a
    second line saying why.  An ``auto`` search that did not fall back appends nothing."""
    unchecked = "" if results_checked else " results=unchecked"
    unchecked += "" if errors_checked else " errors=unchecked"
    if mode == "scheduled" or uncontrolled:
        unchecked += f" mode={mode}"
    if uncontrolled:
        unchecked += f" uncontrolled={uncontrolled}"
    text = (
        f"PASS trials={trials} configurations={configurations} seed={seed} skipped={skipped}"
        f"{unchecked}"
    )
    if fallback:
        text += (
            "\nscheduled trials fell back to real threads: the scheduler could not control "
            f"a trial ({fallback})"
        )
    return text


def json_document(
    *,
    target: str,
    verdict: str,
    seed: int,
    trials: int,
    configurations: int,
    skipped: int,
    elapsed: float,
    budget: float,
    trial_timeout: float,
    options: dict[str, Any],
    record: TrialRecord | None,
    replay: str | None,
    harness_version: str,
    reproduction: dict[str, Any] | None = None,
) -> dict[str, Any]:
    defect = None
    if record is not None and record.category is not None:
        defect = {
            "category": record.category,
            "summary": record.summary,
            "config": record.config.to_json(),
            "token": make_token(record.config),
            "replay": replay,
            "details": record.details,
            "trial": record.to_json(),
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": harness_version,
        "target": target,
        "verdict": verdict,
        "seed": seed,
        "trials": trials,
        "configurations": configurations,
        "skipped": skipped,
        "elapsed_s": round(elapsed, 3),
        "budget_s": budget,
        "trial_timeout_s": trial_timeout,
        "options": options,
        "defect": defect,
        "reproduction": reproduction,
    }


def check_writable(path: str) -> None:
    """``UsageError`` unless ``path`` can be written (checked before any trial runs)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise UsageError(f"--json {path}: is a directory")
    if not os.path.isdir(folder):
        raise UsageError(f"--json {path}: no such directory {folder}")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"--json {path}: not writable")


def write_json(path: str, document: dict[str, Any]) -> None:
    """Write atomically: a temporary file beside ``path``, then ``os.replace``."""
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)
