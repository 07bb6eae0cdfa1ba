"""The pytest plugin (CONTRACT.md section 5), registered through the ``pytest11`` entry point.

* fixture ``stress_check``: the signature of :func:`stress.check`; a test that requests
  it is a correctness gate;
* marker ``@pytest.mark.stress(**kwargs)``: defaults for that test's ``stress_check``
  calls (explicit arguments win);
* ``--stress-budget``, ``--stress-seed`` and the ini key ``stress_budget``: session-wide
  defaults, below the marker (the command line wins over the ini key);
* ``--stress-shards N``: every gate is collected as N tests ``[shard-i-of-N]``; shard i
  searches the seed stream ``(seed, i)`` with the full budget, so ``pytest -n auto``
  spreads one campaign over all cores.

A failing gate's report is the defect report itself (category, configuration, stacks,
replay line), not pytest's traceback through the harness.  The harness is imported only
when a gate runs, so the plugin costs nothing to a session that has none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from typing import Any

import pytest

GateCheck = Callable[..., Any]

_SEED_BITS = 63
TRIALS_PROPERTY = "stress_trials"


def shard_seed(seed: int, shard: int) -> int:
    """The seed of stream ``(seed, shard)``: distinct per shard, the same on every run."""
    digest = hashlib.sha256(f"{seed}/{shard}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - _SEED_BITS)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stress", "pipeline stress gates")
    group.addoption(
        "--stress-budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="default search budget of every stress_check call (overrides ini stress_budget)",
    )
    group.addoption(
        "--stress-seed",
        type=int,
        default=None,
        metavar="INT",
        help="default seed of every stress_check call (default: random, printed on failure)",
    )
    group.addoption(
        "--stress-shards",
        type=int,
        default=1,
        metavar="N",
        help="collect every gate as N tests [shard-i-of-N], each on its own seed stream",
    )
    parser.addini("stress_budget", "default search budget (seconds) of stress_check calls")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "stress(**kwargs): defaults for the stress_check calls of this test"
    )
    shards = config.getoption("--stress-shards")
    if shards < 1:
        raise pytest.UsageError(f"--stress-shards must be >= 1, got {shards}")
    budget = config.getoption("--stress-budget")
    if budget is not None and budget <= 0:
        raise pytest.UsageError(f"--stress-budget must be > 0, got {budget}")


def _session_defaults(config: pytest.Config) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    ini_budget = config.getini("stress_budget")
    if ini_budget not in (None, "", []):
        try:
            defaults["budget"] = float(str(ini_budget))
        except ValueError:
            raise pytest.UsageError(f"ini stress_budget is not a number: {ini_budget!r}") from None
    if (budget := config.getoption("--stress-budget")) is not None:
        defaults["budget"] = budget
    if (seed := config.getoption("--stress-seed")) is not None:
        defaults["seed"] = seed
    return defaults


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    shards: int = metafunc.config.getoption("--stress-shards")
    if "stress_check" in metafunc.fixturenames and shards > 1:
        metafunc.parametrize(
            "stress_shard",
            range(shards),
            ids=[f"shard-{i}-of-{shards}" for i in range(shards)],
            indirect=True,
        )


@pytest.fixture
def stress_shard(request: pytest.FixtureRequest) -> int | None:
    """The shard this test instance searches, or None when the campaign is not sharded."""
    shard: int | None = getattr(request, "param", None)
    return shard


@pytest.fixture
def stress_check(request: pytest.FixtureRequest, stress_shard: int | None) -> GateCheck:
    """:func:`stress.check` with this session's and this test's defaults applied."""
    defaults = _session_defaults(request.config)
    marker = request.node.get_closest_marker("stress")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.stress takes keyword arguments only")
        defaults.update(marker.kwargs)

    def gate(target: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        options = {**defaults, **kwargs}
        base = options.get("seed")
        if stress_shard is not None and base is not None and options.get("replay") is None:
            # Without a seed each shard draws its own random seed: the streams differ anyway.
            options["seed"] = shard_seed(int(base), stress_shard)
        from stress.faces import api  # noqa: PLC0415 -- imported when a gate runs, not at startup

        result = api.check(target, **options)
        trials = getattr(result, "trials", None)
        if isinstance(trials, int):  # summed over workers by pytest_terminal_summary
            request.node.user_properties.append((TRIALS_PROPERTY, trials))
        return result

    return gate


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Show a defect as its report, without the traceback through the harness."""
    report = yield
    from stress.core.errors import DefectFound  # noqa: PLC0415 -- see the module docstring

    if call.excinfo is not None and isinstance(call.excinfo.value, DefectFound):
        report.longrepr = f"stress gate failed:\n{call.excinfo.value}"
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line: how many gates passed and how many trials they searched (all workers)."""
    gates = trials = 0
    for report in terminalreporter.getreports("passed"):
        if report.when != "call":
            continue
        counted = [value for key, value in report.user_properties if key == TRIALS_PROPERTY]
        if counted:
            gates += 1
            trials += sum(counted)
    if gates:
        terminalreporter.write_line(f"stress: {gates} gates passed, {trials} trials searched")
