"""Which server a command runs, and against which upstream: Truto itself, or the embedded sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
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


def make_server(settings: Settings, demo: bool, demo_now: datetime | None = None) -> TrutoLogServer:
    """The server; with ``demo_now``, the sandbox's world and the tools' clock stand at that moment."""
    from truto_log_mcp.server import build_server

    if demo:
        from truto_log_mcp.sandbox import SandboxConfig

        settings, transport = demo_upstream(settings, SandboxConfig(now=demo_now) if demo_now else None)
        return build_server(settings, transport, (lambda: demo_now) if demo_now else None)
    return build_server(settings)


DEMO_NAMESPACE = "demo"


async def demo_moment(settings: Settings) -> datetime:
    """The moment at which successive ``call --demo`` commands see the sandbox, kept in the state store.

    Each command generates the sandbox anew, from its seed and its "now": with the same moment, the
    same rows, so the cursors and refs of one call are valid in the next. The moment is kept as long
    as cursors live (``cursor_ttl_s``) after the last call that used it; an hour without a call starts
    a new one. With ``memory://`` nothing outlives the process: each call has its own moment.
    """
    from truto_log_mcp.errors import StateUnavailable
    from truto_log_mcp.state.open import MEMORY_URL, open_store

    store = open_store(settings.state_url or MEMORY_URL)
    moment = datetime.now(UTC).replace(microsecond=0)
    try:
        kept = await store.get(DEMO_NAMESPACE, "now")
        moment = datetime.fromisoformat(kept.decode()) if kept else moment
        await store.put(DEMO_NAMESPACE, "now", moment.isoformat().encode(), settings.cursor_ttl_s)
    except StateUnavailable:
        pass  # the call still works; its cursors will not continue in the next one (it answers so then)
    finally:
        await store.aclose()
    return moment
