"""``--patch``: the wrapper is seen wherever loaded code refers to the stage function.

Each test installs patches in a forked child (:func:`tests.fixed_child.in_child`), so
the test process never sees a patched module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stress.core.errors import UsageError
from stress.forms.fixed.patching import PatchSpec, install, parse_patch
from tests.fixed_child import in_child

FETCH = PatchSpec("tests.zoo.fixed_stages", "fetch")
PARSE = PatchSpec("tests.zoo.fixed_stages", "parse")


def _counting_hook(log: list[tuple[int, int]]) -> Any:
    def hook(
        index: int, n: int, original: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]
    ) -> Any:
        log.append((index, n))
        return original(*args, **kw)

    return hook


def test_parse_patch_accepts_module_attr_and_dotted_methods() -> None:
    assert parse_patch("pkg.mod:func") == PatchSpec("pkg.mod", "func")
    assert parse_patch("mod:Class.method").attr == "Class.method"
    for bad in ("mod", "mod:", ":f", "mod:1x", "a b:c", 3):
        with pytest.raises(UsageError):
            parse_patch(bad)


def test_every_replaceable_reference_sees_the_wrapper() -> None:
    def scenario() -> dict[str, Any]:
        from tests.zoo import fixed_refs as refs
        from tests.zoo import fixed_stages

        log: list[tuple[int, int]] = []
        done = install([FETCH, PARSE], _counting_hook(log), roots=[refs.CLOSURE])
        page = fixed_stages.fetch(7)  # the owner
        refs.fetch(1)  # from ... import fetch
        refs.parse_page(page)  # from ... import parse as parse_page
        refs.STAGES[0](1)
        refs.STAGE_TUPLE[1](page)
        refs.BY_NAME["fetch"](1)
        refs.Steps.first(1)  # staticmethod alias in a class body
        refs.Steps.second(page)  # a plain alias in a class body, called on the class
        refs.HOLDER.work(page)  # an attribute of an object made at import
        refs.with_default(1)  # a default argument
        refs.CLOSURE(1)  # a closure cell
        return {
            "calls": [d.calls[0] for d in done],
            "log": len(log),
            "unreplaceable": [u for d in done for u in d.unreplaceable],
        }

    seen = in_child(scenario)
    assert seen["calls"] == [7, 4]
    assert seen["log"] == 11
    assert seen["unreplaceable"] == ["a functools.partial at tests.zoo.fixed_refs.PARTIAL"]


def test_a_bound_method_made_before_the_patch_is_listed_as_unreplaceable() -> None:
    def scenario() -> list[Any]:
        from tests.zoo import fixed_refs

        (done,) = install([PatchSpec("tests.zoo.fixed_refs", "Steps.twice")], _counting_hook([]))
        fixed_refs.BOUND(1)  # the original: not counted
        fixed_refs.HOLDER.twice(1)  # looked up on the class at call time: counted
        return [done.calls[0], done.unreplaceable]

    assert in_child(scenario) == [1, ["a bound method at tests.zoo.fixed_refs.BOUND"]]


def test_a_method_is_patched_on_its_class_and_call_numbers_are_exact() -> None:
    def scenario() -> list[Any]:
        import threading

        from tests.zoo.fixed_lost_stop_flag import Normaliser

        seen: list[int] = []
        lock = threading.Lock()

        def hook(index: int, n: int, original: Any, args: Any, kw: Any) -> Any:
            with lock:
                seen.append(n)
            return original(*args, **kw)

        (done,) = install([PatchSpec("tests.zoo.fixed_lost_stop_flag", "Normaliser.clean")], hook)
        normaliser = Normaliser()
        threads = [
            threading.Thread(target=lambda: [normaliser.clean(f" X{i} ") for i in range(200)])
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        return [sorted(seen) == list(range(800)), done.calls[0], normaliser.clean(" A ")]

    assert in_child(scenario) == [True, 800, "a"]


def test_a_staticmethod_keeps_its_kind() -> None:
    def scenario() -> list[Any]:
        from tests.zoo import fixed_refs

        install([PatchSpec("tests.zoo.fixed_refs", "Steps.first")], _counting_hook([]))
        return [fixed_refs.Steps.first(3), fixed_refs.HOLDER.first(4)]

    assert in_child(scenario) == [
        "<html><title>3</title></html>",
        "<html><title>4</title></html>",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (PatchSpec("tests.zoo.no_such_module", "f"), "cannot import"),
        (PatchSpec("tests.zoo.fixed_stages", "nothing"), "no attribute 'nothing'"),
        (PatchSpec("tests.zoo.fixed_refs", "STAGES"), "is not a function"),
    ],
)
def test_a_patch_that_cannot_be_made_is_a_one_line_usage_error(
    spec: PatchSpec, message: str
) -> None:
    def scenario() -> str:
        try:
            install([spec], _counting_hook([]))
        except UsageError as error:
            return str(error)
        return "no error"

    text = in_child(scenario)
    assert message in text
    assert "\n" not in text


def test_the_same_function_patched_twice_is_a_usage_error() -> None:
    def scenario() -> str:
        try:
            install([FETCH, PatchSpec("tests.zoo.fixed_refs", "fetch")], _counting_hook([]))
        except UsageError as error:
            return str(error)
        return "no error"

    assert "patched twice" in in_child(scenario)


def test_the_test_process_is_never_patched() -> None:
    from tests.zoo import fixed_refs, fixed_stages

    in_child(lambda: len(install([FETCH, PARSE], _counting_hook([]))))
    assert not hasattr(fixed_stages.fetch, "__stress_patch__")
    assert fixed_refs.STAGES[0] is fixed_stages.fetch
