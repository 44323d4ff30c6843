"""The house rules, checked on the source: no import cycles, no room importing a room above it, the faces (CLI,
web) entering the library only through the facade, the facade's names pinned, and modules and functions small
enough to read (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gigsight

SRC = Path(gigsight.__file__).parent
# a room may import its own level and the levels below; the faces only the facade (and the CLI the web face)
LEVELS = {"errors": 0, "config": 0, "model": 0, "progress": 0, "backends": 1, "ingest": 2, "metrics": 2, "skills": 2,
          "insights": 3, "simulate": 3, "report": 4, "facade": 5, "cli": 6, "web": 6}
FACES = ("cli", "web")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path, modules: set[str]) -> set[str]:
    """Every gigsight module ``path`` imports, at the top or inside a function (a deferred import still binds
    the two modules together)."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("gigsight")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if base.startswith("gigsight"):
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
    return {m for m in found if m in modules and m != name}


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    paths = {_module_name(p, root): p for p in root.rglob("*.py")}
    return {name: _imports(path, root, set(paths)) for name, path in paths.items()}


def room(module: str) -> str:
    parts = module.split(".")
    return "facade" if len(parts) == 1 or parts[1] == "facade" else parts[1]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports of a room above the importer's (the faces are checked by :func:`bypasses` instead)."""
    return [(a, b) for a, deps in sorted(graph.items()) for b in sorted(deps)
            if room(a) not in FACES and LEVELS[room(b)] > LEVELS[room(a)]]


def bypasses(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports by a face of anything but the facade itself (the CLI may start the web face)."""
    return [(a, b) for a, deps in sorted(graph.items()) if room(a) in FACES for b in sorted(deps)
            if b != "gigsight" and room(b) != room(a) and not (room(a) == "cli" and room(b) == "web")]


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_checks_see_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    pkg = tmp_path / "gigsight"
    (pkg / "metrics").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "metrics" / "__init__.py").write_text("")
    (pkg / "report").mkdir()
    (pkg / "cli").mkdir()
    (pkg / "metrics" / "a.py").write_text("from gigsight.metrics import b\nfrom gigsight.report import x\n")
    (pkg / "metrics" / "b.py").write_text("def f():\n    from gigsight.metrics.a import g\n")
    (pkg / "report" / "x.py").write_text("from . import y\n")
    (pkg / "report" / "y.py").write_text("")
    (pkg / "cli" / "c.py").write_text("import gigsight\nfrom gigsight.metrics.b import f\n")
    graph = import_graph(pkg)
    assert cycles(graph) == [["gigsight.metrics.a", "gigsight.metrics.b"]]
    assert upward(graph) == [("gigsight.metrics.a", "gigsight.report.x")]
    assert graph["gigsight.report.x"] == {"gigsight.report.y"}
    assert bypasses(graph) == [("gigsight.cli.c", "gigsight.metrics.b")]


def test_every_room_has_a_level() -> None:
    assert {room(m) for m in import_graph()} <= set(LEVELS)


def test_no_room_imports_a_room_above_it() -> None:
    assert upward(import_graph()) == []


def test_the_faces_enter_only_through_the_facade() -> None:
    assert bypasses(import_graph()) == []


def test_the_facade_names_are_pinned() -> None:
    """Adding or removing a public verb is a decision: change this list with it (and the README)."""
    assert sorted(gigsight.__all__) == sorted([
        "CHARTS", "DEMO_SCALE", "BackendError", "ConfigError", "DataValidationError", "GigsightError",
        "IngestResult", "Issue", "Mapping", "Progress", "Settings", "Shared", "SourceError", "Store", "StoreLike",
        "catalog", "charts", "check_claims", "check_targets", "classify_file", "classify_jobs", "client_backtest",
        "client_history", "client_lists", "client_summary", "client_value", "cohorts", "compute", "connect",
        "coverage", "demo", "emerging_skills", "enrich", "explain_change", "export", "growth_bridge", "info",
        "ingest", "plain", "readable", "reference", "refresh", "report", "scenarios", "segment_growth", "simulate",
        "skill_pairs", "skill_supply", "skill_trends", "skills_to_learn", "skills_to_promote", "to_json"])
    assert all(hasattr(gigsight, name) for name in gigsight.__all__)
    verbs = [n for n in gigsight.__all__ if callable(getattr(gigsight, n)) and n[0].islower()]
    assert [n for n in verbs if not (getattr(gigsight, n).__doc__ or "").strip()] == []


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 400
    long = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(ast.parse(text))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and (n.end_lineno or 0) - n.lineno + 1 > 60]
    assert long == []


def test_test_modules_share_only_through_helpers() -> None:
    """A test module imports what it shares from tests/helpers, never from another test module or a conftest."""
    tests = Path(__file__).parent
    found = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("tests") and not module.startswith("tests.helpers"):
                found.append((str(path.relative_to(tests)), module))
    assert found == []
