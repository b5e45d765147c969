"""The package's public names: each in ``__all__`` imports, and importing the package itself stays cheap, and
so does a stdio start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import truto_log_mcp
from truto_log_mcp.tools.outputs import OUTPUT_MODELS


@pytest.mark.parametrize("name", truto_log_mcp.__all__)
def test_every_public_name_imports(name: str) -> None:
    assert getattr(truto_log_mcp, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        truto_log_mcp.nothing_here  # noqa: B018


def test_importing_the_package_imports_neither_the_sdk_nor_the_server() -> None:
    code = "import sys, truto_log_mcp; print(sorted(m for m in sys.modules if m.startswith(('mcp', 'truto_log_mcp.'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['truto_log_mcp.version']"


NOT_AT_START = (
    "pydantic_settings",
    "dotenv",
    "tenacity",
    "truto_log_mcp.analysis",
    "truto_log_mcp.query",
    "truto_log_mcp.upstream.client",
    "truto_log_mcp.upstream.pages",
    "truto_log_mcp.upstream.scanner",
    "truto_log_mcp.sandbox",
    "truto_log_mcp.http",
    "truto_log_mcp.tools.scans",
    "truto_log_mcp.upstream.scan_cache",
    "truto_log_mcp.state.sqlite_store",
    "truto_log_mcp.state.redis_store",
    "truto_log_mcp.state.shared",
    "sqlite3",
    "redis",
    *sorted({module for module, _ in OUTPUT_MODELS.values()}),
)
"""What a stdio start must not load: settings libraries the start does without, and what only a tool's first call
needs (its use case, output model, the upstream client, the analyses, the scan cache), and the state backends
that the default ``memory://`` store does without. Each costs the start time (bench/startup.py)."""

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}},
}


def test_a_stdio_start_loads_nothing_that_only_a_tool_call_needs(tmp_path: Path) -> None:
    loaded_file = tmp_path / "modules.json"
    code = (
        "import json, sys\nfrom truto_log_mcp.cli import main\nmain(['serve'])\n"
        "open(sys.argv[1], 'w').write(json.dumps(sorted(sys.modules)))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUTO_")}
    with subprocess.Popen(
        [sys.executable, "-c", code, str(loaded_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as server:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
        server.stdin.flush()
        assert json.loads(server.stdout.readline())["id"] == 1  # answered initialize
        server.stdin.close()
        assert server.wait(timeout=30) == 0
    loaded = json.loads(loaded_file.read_text())
    early = [module for module in loaded if module.startswith(NOT_AT_START)]
    assert early == [], "import these where first used (a tool's body), not at the stdio start"


def test_the_version_is_the_one_in_pyproject() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert truto_log_mcp.__version__ == pyproject["project"]["version"]
