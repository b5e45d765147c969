"""search_logs as a use case: what a page keeps in the state store when the token budget cuts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from tests.helpers import sandbox_settings
from truto_log_mcp.render.table import estimate_tokens
from truto_log_mcp.sandbox import Sandbox
from truto_log_mcp.tools.context import Call, Services
from truto_log_mcp.tools.search_logs import search_logs

pytestmark = pytest.mark.anyio

CUT_BY_THE_BUDGET = {"log_type": "unified_proxy_api", "fields": ["message", "http_request_id"], "limit": 60}
"""A search whose 60 rows do not fit a 500-token answer."""


@pytest.fixture
async def small(sandbox: Sandbox) -> AsyncIterator[Services]:
    """Services on the sandbox whose answers are kept to 500 tokens."""
    services = Services.create(
        sandbox_settings(response_token_budget=500),
        lambda: httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app), base_url="http://sandbox.test"),
    )
    yield services
    await services.aclose()


GIVEN: dict[str, Any] = {
    "log_type": None,
    "since": None,
    "start": None,
    "end": None,
    "filters": None,
    "match": None,
    "fields": None,
    "limit": None,
    "cursor": None,
}
"""Every argument of search_logs, none given."""


async def search(services: Services, **arguments: Any) -> dict[str, Any]:
    answer = await search_logs(Call(services), **{**GIVEN, **arguments})
    return answer.structured.model_dump(mode="json")


async def test_a_page_cut_by_the_token_budget_keeps_refs_only_for_the_rows_it_shows(small: Services) -> None:
    page = await search(small, **CUT_BY_THE_BUDGET)
    assert page["coverage"]["stopped_by"] == "token_budget"
    assert small.refs.held() == len(page["rows"])


async def test_a_page_cut_by_the_token_budget_keeps_one_cursor(small: Services) -> None:
    page = await search(small, **CUT_BY_THE_BUDGET)
    assert page["coverage"]["stopped_by"] == "token_budget"
    assert small.cursors.held() == 1


async def test_the_rows_kept_back_get_their_refs_with_the_page_that_shows_them(small: Services) -> None:
    first = await search(small, **CUT_BY_THE_BUDGET)
    second = await search(small, cursor=first["next_cursor"], limit=60)
    assert small.refs.held() == len(first["rows"]) + len(second["rows"])


@pytest.mark.parametrize(
    "arguments",
    [
        CUT_BY_THE_BUDGET,
        {"log_type": "webhook", "limit": 100},  # ids in the legend
        {"log_type": "unified_proxy_api", "limit": 100, "match": {"status": ">=400"}},
    ],
)
async def test_a_page_cut_by_the_token_budget_keeps_the_whole_answer_within_it(
    small: Services, arguments: dict[str, Any]
) -> None:
    """The headline, the legend and the notes come out of the budget too, not only the table."""
    answer = await search_logs(Call(small), **{**GIVEN, **arguments})
    assert answer.structured.model_dump()["coverage"]["stopped_by"] == "token_budget"
    assert sum(estimate_tokens(line) + 1 for line in answer.text.split("\n")) <= 500
