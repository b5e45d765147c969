"""The sandbox enforces Truto's ``GET /log`` rules: auth, routes, and every parameter rule -> 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from tests.helpers import sandbox_http
from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig

NOW = datetime(2026, 5, 16, 12, 0, tzinfo=UTC)
ROWS: dict[LogType, list[dict[str, Any]]] = {
    LogType.WEBHOOK: [
        {"timestamp": "2026-05-10T10:00:00.000Z", "webhook_id": "w-1", "event": "test"},
        {"timestamp": "2026-05-16T10:00:00.000Z", "webhook_id": "w-1", "event": "test"},
    ],
}


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=ROWS))


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    async with sandbox_http(sandbox) as client:
        yield client


def assert_error_body(response: httpx2.Response, status: int, mentions: str = "") -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"statusCode", "error", "message"}
    assert body["statusCode"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert mentions in body["message"]


# ---- auth and routes ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_missing_authorization_is_401_with_three_field_body(http: httpx2.AsyncClient) -> None:
    response = await http.get("/log", params={"log_type": "webhook"}, headers={"Authorization": ""})
    assert_error_body(response, 401)
    assert response.json()["error"] == "Unauthorized"


@pytest.mark.anyio
async def test_wrong_token_is_401(http: httpx2.AsyncClient) -> None:
    response = await http.get("/log", params={"log_type": "webhook"}, headers={"Authorization": "Bearer nope"})
    assert_error_body(response, 401, "Invalid API token")


@pytest.mark.anyio
async def test_token_without_bearer_scheme_is_401(http: httpx2.AsyncClient) -> None:
    response = await http.get("/log", params={"log_type": "webhook"}, headers={"Authorization": SANDBOX_TOKEN})
    assert_error_body(response, 401)


@pytest.mark.anyio
async def test_configured_token_replaces_the_default() -> None:
    other = Sandbox(SandboxConfig(now=NOW, generate=False, token="other"))
    async with sandbox_http(other, token=None) as client:
        accepted = await client.get("/log?log_type=mcp", headers={"Authorization": "Bearer other"})
        rejected = await client.get("/log?log_type=mcp", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"})
    assert accepted.status_code == 200
    assert rejected.status_code == 401


@pytest.mark.anyio
async def test_unknown_path_is_404_with_three_field_body(http: httpx2.AsyncClient) -> None:
    assert_error_body(await http.get("/logs", params={"log_type": "webhook"}), 404)


@pytest.mark.anyio
async def test_methods_other_than_get_on_log_are_404(http: httpx2.AsyncClient) -> None:
    assert_error_body(await http.post("/log", params={"log_type": "webhook"}), 404)


@pytest.mark.anyio
async def test_healthz_answers_ok_without_a_token(http: httpx2.AsyncClient) -> None:
    response = await http.get("/healthz", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == {"ok": True}


# ---- parameter rules -> 400 -------------------------------------------------------------

GT = "2026-05-01T00:00:00Z"
LT = "2026-05-02T00:00:00Z"

INVALID: dict[str, tuple[str, str]] = {
    # case id: (query string, text the message must contain)
    "log_type_missing": ("limit=10", '"log_type" is required'),
    "log_type_unknown": ("log_type=audit", '"log_type" must be one of'),
    "unknown_top_level_parameter": ("log_type=webhook&webhook_id=w-1", 'Unknown query parameter "webhook_id"'),
    "filter_not_in_brackets": ("log_type=webhook&log_type_filter=w-1", 'Unknown query parameter "log_type_filter"'),
    "filter_in_dot_notation": ("log_type=webhook&log_type_filter.webhook_id=w-1", "Unknown query parameter"),
    "created_at_unknown_operator": (
        f"log_type=webhook&created_at[gte]={GT}",
        'Unknown query parameter "created_at[gte]"',
    ),
    "parameter_repeated": ("log_type=webhook&log_type=mcp", '"log_type" is repeated'),
    "gt_without_lt": (f"log_type=webhook&created_at[gt]={GT}", '"created_at[lt]" is required'),
    "gt_unparseable": (f"log_type=webhook&created_at[gt]=yesterday&created_at[lt]={LT}", '"created_at[gt]" must be'),
    "lt_unparseable": (f"log_type=webhook&created_at[gt]={GT}&created_at[lt]=2026-13-01T00:00:00Z", "created_at[lt]"),
    "gt_without_timezone": (
        f"log_type=webhook&created_at[gt]=2026-05-01T00:00:00&created_at[lt]={LT}",
        "with a timezone",
    ),
    "lt_alone_unparseable": ("log_type=webhook&created_at[lt]=soon", '"created_at[lt]" must be'),
    "lt_before_gt": (f"log_type=webhook&created_at[gt]={LT}&created_at[lt]={GT}", "must be later than"),
    "lt_equal_to_gt": (f"log_type=webhook&created_at[gt]={GT}&created_at[lt]={GT}", "must be later than"),
    "window_over_30_days": (
        "log_type=webhook&created_at[gt]=2026-03-01T00:00:00Z&created_at[lt]=2026-03-31T00:00:01Z",
        "1 month",
    ),
    "window_over_one_calendar_month": (
        "log_type=webhook&created_at[gt]=2027-01-31T00:00:00Z&created_at[lt]=2027-03-01T00:00:00Z",
        "1 month",
    ),
    "limit_zero": ("log_type=webhook&limit=0", '"limit" must be an integer from 1 to 100'),
    "limit_over_100": ("log_type=webhook&limit=101", '"limit"'),
    "limit_not_a_number": ("log_type=webhook&limit=ten", '"limit"'),
    "limit_fractional": ("log_type=webhook&limit=1.5", '"limit"'),
    "limit_empty": ("log_type=webhook&limit=", '"limit"'),
    "filter_key_of_another_log_type": (
        "log_type=webhook&log_type_filter[integration]=hubspot",
        '"log_type_filter[integration]" is not allowed for log_type "webhook"',
    ),
    "filter_on_a_row_field_that_is_not_a_filter": (
        "log_type=unified_proxy_api&log_type_filter[http_status_code]=500",
        "log_type_filter[http_status_code]",
    ),
    "cron_filter_other_than_environment_id": (
        "log_type=sync_job_cron_trigger&log_type_filter[entity_id]=job",
        "allowed: environment_id",
    ),
    "filter_value_empty": ("log_type=webhook&log_type_filter[webhook_id]=", "must not be empty"),
    "mcp_method_not_in_enum": ("log_type=mcp&log_type_filter[mcp_method]=tools/run", "must be one of"),
    "request_type_not_in_enum": ("log_type=unified_proxy_api&log_type_filter[request_type]=mcp", "must be one of"),
    "sync_job_run_event_not_in_enum": (
        "log_type=rapid_bridge&log_type_filter[sync_job_run_event]=finished",
        "must be one of",
    ),
    "cursor_garbage": ("log_type=webhook&next_cursor=not-a-cursor", '"next_cursor" is not a valid cursor'),
    "cursor_empty": ("log_type=webhook&next_cursor=", '"next_cursor" must not be empty'),
}


@pytest.mark.anyio
@pytest.mark.parametrize("case", sorted(INVALID))
async def test_invalid_parameters_are_400_with_three_field_body(http: httpx2.AsyncClient, case: str) -> None:
    query, mentions = INVALID[case]
    assert_error_body(await http.get(f"/log?{query}"), 400, mentions)


@pytest.mark.anyio
async def test_every_accepted_filter_key_of_every_log_type_is_accepted(http: httpx2.AsyncClient) -> None:
    enum_values = {"mcp_method": "tools/call", "request_type": "unified", "sync_job_run_event": "record"}
    for log_type, rules in RULES.items():
        for key in rules.filter_keys:
            value = enum_values.get(key, "x")
            response = await http.get("/log", params={"log_type": log_type.value, f"log_type_filter[{key}]": value})
            assert response.status_code == 200, (log_type, key, response.text)


@pytest.mark.anyio
async def test_window_of_exactly_30_days_is_accepted(http: httpx2.AsyncClient) -> None:
    query = "log_type=webhook&created_at[gt]=2026-04-16T12:00:00Z&created_at[lt]=2026-05-16T12:00:00Z"
    assert (await http.get(f"/log?{query}")).status_code == 200


@pytest.mark.anyio
async def test_window_from_january_31_may_end_on_february_28(http: httpx2.AsyncClient) -> None:
    query = "log_type=webhook&created_at[gt]=2027-01-31T00:00:00Z&created_at[lt]=2027-02-28T00:00:00Z"
    assert (await http.get(f"/log?{query}")).status_code == 200


@pytest.mark.anyio
async def test_timestamps_with_offsets_are_accepted(http: httpx2.AsyncClient) -> None:
    query = "log_type=webhook&created_at[gt]=2026-05-16T09:00:00%2B02:00&created_at[lt]=2026-05-16T13:00:00.5%2B02:00"
    response = await http.get(f"/log?{query}")
    assert response.status_code == 200
    assert [row["timestamp"] for row in response.json()["result"]] == ["2026-05-16T10:00:00.000Z"]


@pytest.mark.anyio
async def test_lt_without_gt_applies_no_time_filter(http: httpx2.AsyncClient) -> None:
    response = await http.get("/log", params={"log_type": "webhook", "created_at[lt]": "2026-01-01T00:00:00Z"})
    assert response.status_code == 200
    assert len(response.json()["result"]) == 2


@pytest.mark.anyio
async def test_limit_defaults_to_100() -> None:
    planted = [{"timestamp": f"2026-05-15T10:{i // 60:02d}:{i % 60:02d}Z", "webhook_id": "w"} for i in range(150)]
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows={LogType.WEBHOOK: planted}))
    async with sandbox_http(sandbox) as client:
        response = await client.get("/log", params={"log_type": "webhook"})
    assert len(response.json()["result"]) == 100
    assert response.json()["next_cursor"]
