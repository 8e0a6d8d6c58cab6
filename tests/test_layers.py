"""The package reads bottom up: no module imports a layer above its own, there is no import
cycle, and no corridor module is imported inside a function to dodge one.

The layers (lowest first); a module may import its own layer or any below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import corridor

PACKAGE = Path(corridor.__file__).parent

LAYERS: list[tuple[str, ...]] = [
    ("schema", "errors", "report"),  # the contract and plain data
    ("io.read", "io.cells", "io.frames"),  # cells -> typed tables
    ("validate", "rules"),  # checks across sheets; Limits expanded
    ("data",),  # Inputs: derived facts
    ("closures", "load"),  # facts about closures; file/frames -> Inputs
    ("lp",),  # the program as arrays
    ("features",),  # one module per constraint family
    ("build",),
    ("highs",),  # HiGHS, quiet and thread-safe
    ("pyomo_view",),  # the embedders' model, generated from the blocks
    ("marginal", "results", "diagnose"),
    ("plan",),
    ("whatif",),
    ("robust",),
    ("io.write", "io.xlsx", "io.fastrows", "io.template"),  # workbooks out
    ("pipeline", "example", "generate", "lpfile", "json_schema"),
    ("analysis", "jobs"),  # the commands' work; the service's worker side
    ("cli", "service"),
]
# lazy imports allowed inside a function: a module whose optional dependency may be absent
OPTIONAL = {("cli", "service")}  # starlette and uvicorn: the 'serve' extra
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return ".".join(rel.parts)


def _layer(module: str) -> int | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYER:
            return LAYER[key]
    return None


def _imports(path: Path):
    """(imported corridor module, inside a function?) for each relative import."""
    tree = ast.parse(path.read_text())
    here = _module(path).split(".")
    package = here[:-1] if path.name != "__init__.py" else here
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(sub) for f in functions for sub in ast.walk(f)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package[: len(package) - (node.level - 1)]
        names = [node.module] if node.module else [a.name for a in node.names]
        for name in names:
            target = ".".join([*base, *name.split(".")]) if name else ".".join(base)
            yield target, id(node) in nested


def _modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"]


def test_every_module_has_a_layer():
    assert [_module(p) for p in _modules() if _layer(_module(p)) is None] == []


def test_no_import_runs_upward():
    upward = []
    for path in _modules():
        mine = _layer(_module(path))
        for target, _ in _imports(path):
            theirs = _layer(target)
            if theirs is not None and theirs > mine:
                upward.append(f"{_module(path)} (layer {mine}) imports {target} (layer {theirs})")
    assert upward == []


def test_no_corridor_import_hides_in_a_function():
    hidden = [
        f"{_module(path)} imports {target} inside a function"
        for path in _modules()
        for target, inside in _imports(path)
        if inside and (_module(path), target) not in OPTIONAL
    ]
    assert hidden == []


def test_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for path in _modules():
        me = _module(path)
        graph[me] = {
            t for t, _ in _imports(path) if t != me and t in {_module(p) for p in _modules()}
        }
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle.extend([*trail, node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, [*trail, node]):
                return True
        state[node] = 2
        return False

    for node in graph:
        if state.get(node) is None and visit(node, []):
            break
    assert cycle == []
