"""Services: what every tool shares, built from the settings."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from tests.helpers import sandbox_settings
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import Sandbox
from truto_log_mcp.tools.context import Answer, Call, Caller, Services
from truto_log_mcp.tools.get_log import get_log
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


def structured_answer(answer: Answer) -> dict[str, Any]:
    return answer.structured.model_dump(mode="json")


def token(number: int) -> SecretStr:
    return SecretStr(f"caller-token-{number:04d}")


async def test_rate_budgets_are_kept_for_at_most_the_configured_number_of_tokens() -> None:
    services = Services.create(sandbox_settings(multi_user=True, max_token_budgets=3), httpx2.AsyncClient)
    budgets = [services.rate_budget(token(number)) for number in range(50)]
    kept = [services.rate_budget(token(number)) is budgets[number] for number in reversed(range(50))]
    assert kept == [True] * 3 + [False] * 47


async def test_the_least_recently_used_token_s_budget_is_the_one_forgotten() -> None:
    services = Services.create(sandbox_settings(multi_user=True, max_token_budgets=3), httpx2.AsyncClient)
    first, second = services.rate_budget(token(1)), services.rate_budget(token(2))
    services.rate_budget(token(3))
    assert services.rate_budget(token(1)) is first
    services.rate_budget(token(4))
    assert services.rate_budget(token(1)) is first
    assert services.rate_budget(token(2)) is not second


async def test_another_user_s_searches_do_not_evict_a_user_s_refs(sandbox: Sandbox) -> None:
    """Issue 9: after user B's 60 searches of 100 rows, user A's get_log answered [ref_not_found]."""
    services = Services.create(sandbox_settings(multi_user=True), httpx2.AsyncClient)
    alice, bob = Call(services, Caller("alice")), Call(services, Caller("bob"))
    rows = sandbox.rows(LogType.WEBHOOK)[:100]
    refs = await alice.keep_rows(LogType.WEBHOOK, rows[:20])
    for _ in range(60):
        await bob.keep_rows(LogType.WEBHOOK, rows)
    opened = [structured_answer(await get_log(alice, ref)) for ref in refs]
    assert [answer["row"]["timestamp"] for answer in opened] == [row["timestamp"] for row in rows[:20]]
