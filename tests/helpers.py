"""Helpers shared by the test modules: the upstream's documented facts, reading a tool result, and
clients on the sandbox upstream.

Fixtures stay in ``conftest.py``; plain functions live here so that test modules import them by name.
"""

from __future__ import annotations

import asyncio
import json
import selectors
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
from mcp_types import CallToolResult
from pydantic import SecretStr

from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox
from truto_log_mcp.server import TrutoLogServer, build_server
from truto_log_mcp.settings import Settings
from truto_log_mcp.upstream.client import RetryPolicy, TrutoClient
from truto_log_mcp.upstream.ratelimit import RateBudget

# ---- the upstream's documented facts --------------------------------------------------------------------------

REFERENCE_DATA = Path(__file__).parent / "data" / "truto_log_api_reference.json"
"""The facts of Truto's API reference of GET /log and of DOMAIN.md (its ``source`` header says which and
when): an oracle independent of ``rules.py``, never derived from it."""


@cache
def reference_data() -> dict[str, Any]:
    data = json.loads(REFERENCE_DATA.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ---- tool results ---------------------------------------------------------------------------------------------


def text_of(result: CallToolResult) -> str:
    """The text the model reads: every text block, one per line."""
    return "\n".join(block.text for block in result.content if block.type == "text")


def structured(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful result (fails the test, showing the text, on an error)."""
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict)
    return dict(result.structured_content)


def error_of(result: CallToolResult, code: str) -> str:
    """The text of an error result that starts with ``[code]`` (fails the test otherwise)."""
    text = text_of(result)
    assert result.is_error, text
    assert text.startswith(f"[{code}]"), text
    return text


def numbers_of(value: Any, path: str = "") -> dict[str, list[float]]:
    """Every number in a structured answer (booleans are not numbers), by path with list positions as
    ``*``, in order: so a test can state the truth of each one and miss none."""
    found: dict[str, list[float]] = {}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return found
    if isinstance(value, int | float):
        return {path: [value]}
    items = value.items() if isinstance(value, dict) else (("*", item) for item in value)
    for key, item in items:
        for inner, numbers in numbers_of(item, f"{path}.{key}" if path else str(key)).items():
            found.setdefault(inner, []).extend(numbers)
    return found


# ---- the server on the sandbox --------------------------------------------------------------------------------


def sandbox_settings(**overrides: Any) -> Settings:
    """Settings whose token the sandbox accepts, with ``overrides``."""
    values: dict[str, Any] = {"api_token": SecretStr(SANDBOX_TOKEN), "base_url": "http://sandbox.test"}
    values.update(overrides)
    return Settings(**values)


def server_on(sandbox: Sandbox, **settings: Any) -> TrutoLogServer:
    """The MCP server reading ``sandbox`` in process."""
    return build_server(sandbox_settings(**settings), httpx2.ASGITransport(app=sandbox.app))


# ---- HTTP and Truto clients on the sandbox --------------------------------------------------------------------


def sandbox_http(
    sandbox: Sandbox, *, token: str | None = SANDBOX_TOKEN, base_url: str = "http://sandbox"
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` on the sandbox app, in process; it sends ``token`` as a bearer token
    (None: no Authorization header)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else None
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app), base_url=base_url, headers=headers)


FAST_RETRIES = RetryPolicy(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.02)
"""A retry policy with a short back-off, for tests that are not about its schedule."""


def truto_client(
    http: httpx2.AsyncClient,
    *,
    token: str | None = SANDBOX_TOKEN,
    policy: RetryPolicy = FAST_RETRIES,
    rate: RateBudget | None = None,
) -> TrutoClient:
    """A ``TrutoClient`` over ``http`` with ``token`` (None: no token configured)."""
    return TrutoClient(http, SecretStr(token) if token is not None else None, policy, rate)


# ---- virtual time ---------------------------------------------------------------------------------------------


class FakeClock:
    """A settable monotonic clock: tests move ``now`` by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _JumpingSelector(selectors.DefaultSelector):
    """A selector that, instead of blocking until the next timer, moves the clock there at once."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events: list[tuple[selectors.SelectorKey, int]] = super().select(0)
        if events or (timeout is not None and timeout <= 0):
            return events
        if timeout is None:
            return list(super().select(None))
        self.clock += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock only moves when every task waits on a timer: sleeps take no real time,
    and code that spends no time between them (an in-process upstream) runs in exact, repeatable rounds."""

    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return self._jumping.clock


VIRTUAL_TIME = ("asyncio", {"loop_factory": VirtualTimeLoop})
"""An ``anyio_backend`` value: ``@pytest.mark.parametrize("anyio_backend", [VIRTUAL_TIME])``."""
