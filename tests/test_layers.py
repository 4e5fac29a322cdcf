"""The package's layers import only the layers before them:
scenario -> model -> sweep -> analysis -> plots -> report -> cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "capsim"
ORDER = ("scenario", "model", "sweep", "analysis", "plots", "report", "cli")
#: Modules at the package's top level, by the layer they belong to.
TOP_LEVEL = {
    "files": "scenario",
    "seeds": "scenario",
    "results": "model",
    "simulation": "model",
    "units": "scenario",
    "__main__": "cli",
}


def _layer(module: str) -> str | None:
    """The layer of ``capsim.a.b``; None for the package itself (``capsim``, lazy API)."""
    parts = module.split(".")
    if parts[0] != "capsim" or len(parts) == 1:
        return None
    head = parts[1]
    return head if head in ORDER else TOP_LEVEL[head]


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every ``capsim`` module ``path`` imports, anywhere in the file (functions and
    ``TYPE_CHECKING`` blocks included), with its line."""
    imported = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append((node.lineno, node.module))
            imported += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return [(line, name) for line, name in imported if name.split(".")[0] == "capsim"]


def _known(name: str) -> str:
    """``name`` cut to the longest prefix that is a module of the package."""
    modules = {module for module, _ in _modules()}
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_a_module_imports_no_later_layer(module: str, path: Path) -> None:
    own = _layer(module)
    if own is None:
        return  # the package's lazy public API may name any layer
    later = [
        f"line {line}: {name} ({_layer(_known(name))})"
        for line, name in _imports(path)
        if _layer(_known(name)) is not None and ORDER.index(_layer(_known(name))) > ORDER.index(own)
    ]
    assert not later, f"{module} ({own}) imports a later layer: " + "; ".join(later)


def test_the_check_sees_a_later_layer(tmp_path: Path) -> None:
    """The scan finds imports inside functions and TYPE_CHECKING blocks."""
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from capsim.cli.main import main\n"
        "def f():\n    import capsim.sweep.study\n",
        encoding="utf-8",
    )
    names = [name for _, name in _imports(source)]
    assert "capsim.cli.main" in names
    assert "capsim.sweep.study" in names
    assert _layer(_known("capsim.cli.main.main")) == "cli"


def _calls(path: Path, names: set[str]) -> list[tuple[int, str]]:
    """Calls in ``path`` of a function or class imported under one of ``names`` (called by
    its bare name, as capsim imports them; ``Path.resolve()`` is not one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            found.append((node.lineno, node.func.id))
    return found


def test_exactly_one_function_builds_and_runs_the_model() -> None:
    """Only ``capsim.model.world.run`` resolves a scenario and builds the SimPy world;
    everything else (simulate, study samples, relief, sweeps, calibration) calls it."""
    builders = {"World", "resolve"}
    elsewhere = [
        f"{module} line {line}: {name}()"
        for module, path in _modules()
        if module != "capsim.model.world"
        for line, name in _calls(path, builders)
        if not (module == "capsim.model.resolve" and name == "resolve")
    ]
    assert not elsewhere, "the model is built outside capsim.model.world.run: " + "; ".join(
        elsewhere
    )
    world = PACKAGE / "model" / "world.py"
    assert [name for _, name in _calls(world, builders)] == ["World", "resolve"]
