"""reference.VARIANTS and reference.make follow CONTRACT.md section 2."""

from __future__ import annotations

import ast
import pathlib

import pytest

import reference

pytestmark = pytest.mark.smoke

ROOT = pathlib.Path(__file__).resolve().parent.parent

TUTORIAL_SETTINGS = {
    "single_pool": {"maxsize", "pool_size"},
    "counted": {"maxsize", "pool_size"},
    "barrier_as_published": {"maxsize", "pool_size", "barrier_parties"},
    "barrier": {"maxsize", "pool_size", "barrier_parties"},
    "separate_pools": {"maxsize"},
}
OTHER_VALUES = {"maxsize": 3, "pool_size": 4, "barrier_parties": 2}


def test_every_tutorial_variant_is_registered() -> None:
    assert set(reference.TUTORIAL) <= set(reference.VARIANTS)
    assert set(TUTORIAL_SETTINGS) == set(reference.TUTORIAL)


@pytest.mark.parametrize("name", sorted(TUTORIAL_SETTINGS))
@pytest.mark.parametrize("setting", sorted(OTHER_VALUES))
def test_make_accepts_exactly_the_variants_settings(name: str, setting: str) -> None:
    kwargs = {setting: OTHER_VALUES[setting]}
    if setting in TUTORIAL_SETTINGS[name]:
        variant = reference.make(name, **kwargs)
        assert getattr(variant.settings, setting) == OTHER_VALUES[setting]
    else:
        with pytest.raises(TypeError, match=setting):
            reference.make(name, **kwargs)


def test_make_rejects_unknown_names_and_bad_values() -> None:
    with pytest.raises(KeyError, match="no_such"):
        reference.make("no_such")
    with pytest.raises(ValueError, match="maxsize"):
        reference.make("counted", maxsize=-1)
    with pytest.raises(TypeError, match="pool_size"):
        reference.make("counted", pool_size="4")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(TUTORIAL_SETTINGS))
def test_bad_shapes_raise_before_any_thread_starts(name: str) -> None:
    target = reference.VARIANTS[name]
    with pytest.raises(ValueError, match="non-empty"):
        target([1], [], [])
    with pytest.raises(ValueError, match="entries"):
        target([1], [abs], [1, 1])
    with pytest.raises(ValueError, match="workers"):
        target([1], [abs], [0])


def _imported_modules(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_reference_imports_nothing_from_stress_tests_or_pytest() -> None:
    offenders = {
        str(path.relative_to(ROOT)): bad
        for path in sorted((ROOT / "reference").rglob("*.py"))
        if (bad := _imported_modules(path) & {"stress", "tests", "pytest", "hypothesis"})
    }
    assert not offenders
