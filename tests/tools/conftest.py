"""The planted scenario as a fixture for the analysis tool tests."""

from __future__ import annotations

import pytest

from tests.tools.scenario import NOW, planted
from truto_log_mcp.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def scenario() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=planted(), rate_limit=None))
