"""The code's shape holds (README, "Map of the code"): five layers whose imports point one way, no
import cycle, Streamlit only in the app layer, no module too long to read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ipsdash"
# What each layer may import from the others (besides itself and the top-level modules named in TOP).
MAY_USE = {
    "extract": set(),
    "figures": {"extract"},
    "delivery": {"extract", "figures"},
    "report": {"extract", "figures"},
    "app": {"extract", "figures", "delivery", "report"},
}
# Top-level modules below every layer (words, formats, colours, plain charts, downloads) and above them
# all (the command line, the demo generator, roles).
WORDS = {"fmt", "texts", "theme", "charts", "export"}
# The roles file (who sees what), above the figures: the app's login turns it into a scope.
ROLES = {"access"}
MAX_LINES = 700


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> set[str]:
    """The ipsdash modules a file imports, anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def graph() -> dict[str, set[str]]:
    """Module -> the ipsdash modules it imports (a package's name stands for its __init__)."""
    return {name: {m for m in imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def layer(module: str) -> str:
    """The layer a module belongs to ("figures"), or "top:<name>" for a top-level module; a module of
    a top-level package counts as the package ("ipsdash.charts.base" is "top:charts")."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in MAY_USE:
        return parts[1]
    return "top:" + (parts[1] if len(parts) > 1 else parts[0])


def test_layers_import_one_way():
    wrong = []
    for module, used in graph().items():
        mine = layer(module)
        for other in used:
            theirs = layer(other)
            if theirs == mine or theirs == "top:ipsdash":
                continue
            if mine in MAY_USE:
                allowed = theirs in MAY_USE[mine] or theirs.removeprefix("top:") in WORDS | (ROLES if mine == "app" else set())
            elif mine.removeprefix("top:") in WORDS:
                allowed = theirs.removeprefix("top:") in WORDS
            else:  # cli, demo, access, __main__: on top of everything
                allowed = True
            if not allowed:
                wrong.append(f"{module} -> {other}")
    assert not wrong, wrong


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_only_the_app_layer_imports_streamlit():
    outside = [name for name, path in MODULES.items()
               if layer(name) != "app" and any(m == "streamlit" or m.startswith("streamlit.") for m in imports(path))]
    assert not outside, outside


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_too_long(name):
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES, name


def test_layers_are_named_as_the_folders():
    assert layer("ipsdash.figures.kpis") == layer("ipsdash.figures") == "figures"
    assert layer("ipsdash.cli") == "top:cli" and layer("ipsdash") == "top:ipsdash"
    assert layer("ipsdash.charts.base") == layer("ipsdash.charts") == "top:charts"
    # The layers, and one package of plain Plotly charts among the top-level words.
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} == set(MAY_USE) | {"charts"}


# The small-number threshold is decided once at each entry point (the CLI's --min-count or its
# default, the app's session) and handed down; no figure, report or page decides it on its own.
THRESHOLD_DECIDED_IN = {ROOT / "ipsdash" / "cli.py", ROOT / "ipsdash" / "app" / "session.py"}


def _code_files() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])


def test_the_threshold_is_decided_only_at_the_entry_points():
    deciding = []
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                if name == "default_threshold" and path not in THRESHOLD_DECIDED_IN:
                    deciding.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not deciding, deciding


def test_every_min_count_is_required():
    """A `min_count` with a default would let a caller forget the entry point's threshold."""
    defaulted = []
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                positional = [*a.posonlyargs, *a.args]
                with_default = positional[len(positional) - len(a.defaults):] if a.defaults else []
                with_default += [k for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
                if any(arg.arg == "min_count" for arg in with_default):
                    defaulted.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not defaulted, defaulted
