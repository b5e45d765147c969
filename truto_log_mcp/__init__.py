"""truto-log-mcp: an MCP server for querying and analysing Truto's logs.

The public names below are imported on first use (``truto_log_mcp.build_server`` imports the
server then), so that ``import truto_log_mcp`` stays cheap for the command line's fast start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from truto_log_mcp.version import __version__

_PUBLIC = {
    "build_server": "truto_log_mcp.server",
    "TrutoLogServer": "truto_log_mcp.boundary",
    "Settings": "truto_log_mcp.settings",
    "main": "truto_log_mcp.cli",
    "TrutoLogError": "truto_log_mcp.errors",
    "LogType": "truto_log_mcp.rules",
    "Sandbox": "truto_log_mcp.sandbox",
    "SandboxConfig": "truto_log_mcp.sandbox",
}

__all__ = [
    "LogType",
    "Sandbox",
    "SandboxConfig",
    "Settings",
    "TrutoLogError",
    "TrutoLogServer",
    "__version__",
    "build_server",
    "main",
]

if TYPE_CHECKING:
    from truto_log_mcp.boundary import TrutoLogServer
    from truto_log_mcp.cli import main
    from truto_log_mcp.errors import TrutoLogError
    from truto_log_mcp.rules import LogType
    from truto_log_mcp.sandbox import Sandbox, SandboxConfig
    from truto_log_mcp.server import build_server
    from truto_log_mcp.settings import Settings


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'truto_log_mcp' has no attribute {name!r}")
