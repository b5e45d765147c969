"""The upstream layer's tests read the sandbox through a bare HTTP client: ``TrutoClient`` adds the token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from tests.helpers import sandbox_http
from truto_log_mcp.sandbox import Sandbox


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    async with sandbox_http(sandbox, token=None) as client:
        yield client
