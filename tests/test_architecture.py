"""The harness's structure, checked: layers import only downwards, no import cycles,
``reference/`` imports nothing of ``stress/``, only a form's own package knows which
form it is, and the files the trial layer names by path exist.

Layers (docs/stress.md, "Architecture"), each a subpackage of ``stress``:
faces over search over trial over forms over core; ``bench`` and ``compare`` on top.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRESS = ROOT / "stress"
#: What each layer may import of stress (besides itself).
ALLOWED = {
    "core": set(),
    "scheduled": set(),  # the controlled scheduler: standard library only
    "forms": {"core"},
    "trial": {"forms", "core", "scheduled"},  # the deterministic mode's trials run on it
    "search": {"trial", "forms", "core", "scheduled"},
    "faces": {"search", "trial", "forms", "core", "scheduled"},
    "bench": {"faces", "search", "trial", "forms", "core", "compare", "scheduled"},
    "compare": {"faces", "search", "trial", "forms", "core", "scheduled"},
    "": {"faces", "search", "trial", "forms", "core", "bench", "compare", "scheduled"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """``stress...`` modules ``path`` imports (TYPE_CHECKING blocks left out when asked)."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()

    def visit(node: ast.AST, nested: bool) -> None:
        typing_only = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        if typing_only and top_level_only:
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if top_level_only:
                return
            nested = True
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "stress")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] == "stress"
        ):
            found.add(node.module)
            for alias in node.names:  # from stress.x import module
                candidate = f"{node.module}.{alias.name}"
                if _path_of(candidate) is not None:
                    found.add(candidate)
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(tree, False)
    return found


def _path_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


MODULES = sorted(STRESS.rglob("*.py"))


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else ""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_module_imports_only_its_own_layer_and_those_below(path: Path) -> None:
    own = _layer(_module_name(path))
    for imported in _imports(path, top_level_only=False):
        if imported == "stress":
            assert own == "", f"{path}: only the package's entry modules import stress itself"
            continue
        layer = _layer(imported)
        assert layer == own or layer in ALLOWED[own], f"{path} imports {imported}"


def test_there_are_no_import_cycles() -> None:
    graph = {
        _module_name(path): {
            m for m in _imports(path, top_level_only=True) if _path_of(m) is not None
        }
        for path in MODULES
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph.get(module, ())):
            if nxt == module or nxt.startswith(module + "."):
                continue  # a package importing its own submodule is no cycle
            if state.get(nxt) == 1 and not module.startswith(nxt + "."):
                raise AssertionError("import cycle: " + " -> ".join([*path, module, nxt]))
            if nxt not in state:
                visit(nxt, [*path, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_reference_imports_nothing_of_stress() -> None:
    for path in sorted((ROOT / "reference").rglob("*.py")):
        assert not _imports(path, top_level_only=False), path


FORM_NAMES = re.compile(
    r"\b(FixedForm|FixedSpec|FixedTrial|FixedWatch|GeneralisedForm|GeneralisedTrial)\b"
)
#: How code used to ask which form it held: ``spec.fixed``, ``fixed is not None``.
FORM_BRANCH = re.compile(r"\bspec\.fixed\b|\bfixed is (not )?None")


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if "forms" not in p.relative_to(STRESS).parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_a_forms_own_package_knows_which_form_it_is(path: Path) -> None:
    """Outside stress/forms a form is a TargetForm; the faces choose one (make_fixed)."""
    text = path.read_text()
    assert not FORM_NAMES.search(text), f"{path} names a form: {FORM_NAMES.search(text)}"
    branch = FORM_BRANCH.search(text)
    assert not branch, f"{path} branches on the form: {branch}"
    assert "items_digest" not in text or path.name == "config.py", path


def test_the_files_the_trial_layer_names_by_path_exist() -> None:
    from stress.trial import deadlock, waits

    assert Path(deadlock._PRESSURE).is_file()
    assert Path(waits._CHILD).is_file()
    assert (Path(waits._HARNESS) / "__init__.py").is_file()
