"""The planted scenario as a fixture for the analysis tool tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from mcp import Client

from tests.helpers import server_on
from tests.tools.run_stories import planted_runs
from tests.tools.scenario import NOW, planted
from truto_log_mcp.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def scenario() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=planted(), rate_limit=None))


@pytest.fixture
async def runs_client() -> AsyncIterator[Client]:
    """A client on a sandbox holding only the planted run stories (``run_stories``), planted just now."""
    now = datetime.now(UTC).replace(microsecond=0)
    sandbox = Sandbox(SandboxConfig(now=now, generate=False, extra_rows=planted_runs(now), rate_limit=None))
    async with Client(server_on(sandbox)) as client:
        yield client


@pytest.fixture(scope="module")
def staged() -> tuple[Sandbox, datetime]:
    """The generated world (small background) with its ``now``: the staging stories are planted at fixed instants."""
    now = datetime.now(UTC).replace(microsecond=0)
    return Sandbox(SandboxConfig(now=now, scale=0.1, rate_limit=None)), now
