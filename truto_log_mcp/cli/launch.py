"""Which server a command runs, and against which upstream: Truto itself, or the embedded sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from truto_log_mcp.settings import Settings

if TYPE_CHECKING:
    import httpx2

    from truto_log_mcp.sandbox import SandboxConfig
    from truto_log_mcp.server import TrutoLogServer

SANDBOX_BASE_URL = "http://sandbox.invalid"
"""Base URL used with the in-process sandbox (never resolved: the transport is the ASGI app)."""


def demo_upstream(
    settings: Settings, config: SandboxConfig | None = None
) -> tuple[Settings, httpx2.AsyncBaseTransport]:
    """Settings and transport that point the server at an in-process sandbox."""
    import httpx2

    from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox

    sandbox = Sandbox(config)
    demo_settings = settings.model_copy(update={"api_token": SecretStr(SANDBOX_TOKEN), "base_url": SANDBOX_BASE_URL})
    return demo_settings, httpx2.ASGITransport(app=sandbox.app)


def make_server(settings: Settings, demo: bool) -> TrutoLogServer:
    from truto_log_mcp.server import build_server

    if demo:
        settings, transport = demo_upstream(settings)
        return build_server(settings, transport)
    return build_server(settings)
