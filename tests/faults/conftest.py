"""The client every fault test uses unless it needs other settings (``matrix.client_with``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client

from tests.faults.matrix import FAST
from tests.helpers import server_on
from truto_log_mcp.sandbox import Sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[Client]:
    async with Client(server_on(sandbox, **FAST)) as connected:
        yield connected
