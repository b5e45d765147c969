"""A faithful fake of Truto's ``GET /log`` over deterministic generated activity.

The test double every other test trusts, the upstream of ``truto-log-mcp demo`` and of the
benchmarks. Importing this package has no side effects; data is generated when a ``Sandbox`` is
built.
"""

from truto_log_mcp.sandbox.app import Sandbox, create_app, serve_sandbox, serving
from truto_log_mcp.sandbox.config import SANDBOX_TOKEN, Fault, RecordedRequest, SandboxConfig
from truto_log_mcp.sandbox.generator import STORIES, Story

__all__ = [
    "SANDBOX_TOKEN",
    "STORIES",
    "Fault",
    "RecordedRequest",
    "Sandbox",
    "SandboxConfig",
    "Story",
    "create_app",
    "serve_sandbox",
    "serving",
]
