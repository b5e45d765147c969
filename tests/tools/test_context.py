"""Services: what every tool shares, built from the settings."""

from __future__ import annotations

import httpx2
import pytest

from tests.helpers import sandbox_settings
from truto_log_mcp.tools.context import Services
from truto_log_mcp.upstream.client import RetryPolicy

pytestmark = pytest.mark.anyio


async def test_the_client_s_retry_policy_is_the_settings() -> None:
    settings = sandbox_settings(
        max_attempts=3, retry_after_cap_s=2.0, request_timeout_s=4.0, backoff_initial_s=0.01, backoff_max_s=0.02
    )
    services = Services.create(settings, httpx2.AsyncClient)
    try:
        policy = services.client()._policy
    finally:
        await services.aclose()
    assert policy == RetryPolicy(
        max_attempts=3, retry_after_cap_s=2.0, request_timeout_s=4.0, backoff_initial_s=0.01, backoff_max_s=0.02
    )
