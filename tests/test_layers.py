"""One direction of imports (docs/architecture.md), read from the source and followed transitively.

Every import counts: at module level, inside functions, and under ``TYPE_CHECKING`` (a domain
module that only names an MCP type for the type checker still depends on MCP). Cycles are looked
for among the imports that run (``TYPE_CHECKING`` blocks left out).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "truto_log_mcp"

DOMAIN = ("analysis", "query", "render", "rules", "rows", "errors", "suggest", "redact")
"""Pure code: the API's rules, queries and time, analyses, rendering, and what they share."""
USE_CASES = ("tools",)
INFRASTRUCTURE = ("upstream", "state")
PROTOCOL = ("server", "boundary", "http", "deployment", "cli", "views")

MCP = ("mcp", "mcp_types")
WEB = ("starlette", "uvicorn", "httpx2")


@dataclass(frozen=True, slots=True)
class Import:
    source: str
    target: str
    runtime: bool
    """False under ``if TYPE_CHECKING:``."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(path: Path, root: Path, modules: set[str]) -> list[Import]:
    """The imports of one file; ``from a import b`` names ``a.b`` when that is a module of the package."""
    source = module_name(path, root)
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for statement in node.body for child in ast.walk(statement))
    found: list[Import] = []
    for node in ast.walk(tree):
        runtime = id(node) not in type_only
        if isinstance(node, ast.Import):
            found += [Import(source, alias.name, runtime) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = source.split(".") if path.name == "__init__.py" else source.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(Import(source, candidate if candidate in modules else base, runtime))
    return found


def import_graph(root: Path) -> list[Import]:
    files = sorted(root.rglob("*.py"))
    modules = {module_name(path, root) for path in files}
    return [found for path in files for found in read_imports(path, root, modules)]


def reachable(graph: Iterable[Import], start: str, runtime_only: bool = False) -> dict[str, list[str]]:
    """Every module ``start`` imports, directly or through others, with one path to it."""
    edges: dict[str, set[str]] = {}
    for found in graph:
        if found.runtime or not runtime_only:
            edges.setdefault(found.source, set()).add(found.target)
    paths = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        for target in sorted(edges.get(current, ())):
            if target not in paths:
                paths[target] = [*paths[current], target]
                todo.append(target)
    del paths[start]
    return paths


def is_in(module: str, names: Iterable[str], package: str = "truto_log_mcp") -> bool:
    prefixes = [f"{package}.{name}" if package else name for name in names]
    return any(module == prefix or module.startswith(f"{prefix}.") for prefix in prefixes)


def violations(root: Path, layer: Iterable[str], forbidden: Iterable[str], third_party: Iterable[str]) -> list[str]:
    """``module -> ... -> forbidden`` for each module of ``layer`` that reaches a forbidden module."""
    layer, forbidden, third_party = tuple(layer), tuple(forbidden), tuple(third_party)
    package = root.name
    graph = import_graph(root)
    sources = sorted({found.source for found in graph if is_in(found.source, layer, package)})
    found_paths = []
    for source in sources:
        for target, path in sorted(reachable(graph, source).items()):
            if is_in(target, forbidden, package) or is_in(target, third_party, ""):
                found_paths.append(" -> ".join(path))
    return found_paths


def cycles(root: Path) -> list[str]:
    """Each import cycle once, from its first module in sorted order."""
    graph = [found for found in import_graph(root) if found.runtime]
    found_cycles = []
    for module in sorted({found.source for found in graph}):
        for target in sorted({found.target for found in graph if found.source == module}):
            back = [module] if target == module else reachable(graph, target).get(module)
            if back and module == min(back):
                found_cycles.append(" -> ".join([module, *back]))
    return found_cycles


def test_the_domain_imports_no_protocol_no_io_and_no_use_case() -> None:
    forbidden = (*USE_CASES, *INFRASTRUCTURE, *PROTOCOL)
    assert violations(PACKAGE, DOMAIN, forbidden, (*MCP, *WEB)) == []


def test_use_cases_do_not_know_the_protocol() -> None:
    assert violations(PACKAGE, USE_CASES, PROTOCOL, MCP) == []


def test_infrastructure_serves_the_use_cases_and_never_calls_them() -> None:
    assert violations(PACKAGE, INFRASTRUCTURE, (*USE_CASES, *PROTOCOL), MCP) == []


def test_the_sandbox_is_an_upstream_not_a_client() -> None:
    forbidden = (*USE_CASES, *INFRASTRUCTURE, *PROTOCOL, "analysis", "query", "render")
    assert violations(PACKAGE, ("sandbox",), forbidden, MCP) == []


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(PACKAGE) == []


def test_the_layers_name_packages_that_exist() -> None:
    names = {path.stem if path.is_file() else path.name for path in PACKAGE.iterdir()}
    assert set(DOMAIN + USE_CASES + INFRASTRUCTURE + PROTOCOL) <= names


# ---- the checks above catch what they claim to catch -------------------------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "truto_log_mcp"
    for name in ("analysis", "tools"):
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "server.py").write_text("import mcp\n")
    return root


def test_an_import_inside_a_function_is_a_violation(package: Path) -> None:
    (package / "analysis" / "causes.py").write_text("def late():\n    from mcp import types\n")
    assert violations(package, DOMAIN, PROTOCOL, MCP) == ["truto_log_mcp.analysis.causes -> mcp"]


def test_an_import_under_type_checking_is_a_violation(package: Path) -> None:
    (package / "analysis" / "causes.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from truto_log_mcp.server import x\n"
    )
    assert "truto_log_mcp.analysis.causes -> truto_log_mcp.server" in violations(package, DOMAIN, PROTOCOL, MCP)


def test_an_import_through_another_module_is_a_violation(package: Path) -> None:
    (package / "analysis" / "causes.py").write_text("from truto_log_mcp.analysis import helper\n")
    (package / "analysis" / "helper.py").write_text("from truto_log_mcp import server\n")
    path = "truto_log_mcp.analysis.causes -> truto_log_mcp.analysis.helper -> truto_log_mcp.server"
    assert path in violations(package, DOMAIN, PROTOCOL, MCP)


def test_a_cycle_is_found_and_a_type_checking_one_is_not(package: Path) -> None:
    (package / "tools" / "a.py").write_text("def f():\n    from truto_log_mcp.tools import b\n")
    (package / "tools" / "b.py").write_text("from truto_log_mcp.tools import a\n")
    (package / "tools" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from truto_log_mcp.tools import d\n"
    )
    (package / "tools" / "d.py").write_text("from truto_log_mcp.tools import c\n")
    assert cycles(package) == ["truto_log_mcp.tools.a -> truto_log_mcp.tools.b -> truto_log_mcp.tools.a"]
