"""What counts as an error per log type (ERROR_RULES / is_error) and which cause class an error gets."""

from __future__ import annotations

from typing import Any

import pytest

from truto_log_mcp.analysis.causes import ERROR_RULES, NEXT_STEP, Cause, cause_from_text, classify, is_error
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

API = LogType.UNIFIED_PROXY_API
RB = LogType.RAPID_BRIDGE
HOOK = LogType.WEBHOOK
CRON = LogType.SYNC_JOB_CRON_TRIGGER


def row(**fields: Any) -> Row:
    return {"timestamp": "2026-05-16T06:28:27.040Z", **fields}


# ---- the tables --------------------------------------------------------------------------------


def test_every_log_type_has_an_error_rule() -> None:
    assert set(ERROR_RULES) == set(LogType)
    assert all(rule.strip() for rule in ERROR_RULES.values())


def test_every_cause_has_a_next_step() -> None:
    assert set(NEXT_STEP) == set(Cause)


def test_auth_next_step_says_the_end_user_must_reconnect() -> None:
    assert "reconnect" in NEXT_STEP[Cause.AUTH]


def test_rate_limit_next_step_says_no_action() -> None:
    assert "no action" in NEXT_STEP[Cause.RATE_LIMIT]


# ---- is_error: unified_proxy_api and mcp -------------------------------------------------------


@pytest.mark.parametrize("log_type", [API, LogType.MCP])
@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 503, "502"])
def test_http_status_400_and_above_is_an_error(log_type: LogType, status: int | str) -> None:
    assert is_error(log_type, row(http_status_code=status))


@pytest.mark.parametrize("log_type", [API, LogType.MCP])
@pytest.mark.parametrize("status", [200, 201, 204, 304, 399])
def test_http_status_below_400_is_not_an_error(log_type: LogType, status: int) -> None:
    assert not is_error(log_type, row(http_status_code=status))


@pytest.mark.parametrize("log_type", [API, LogType.MCP])
def test_account_needing_reauth_is_an_error_even_with_200(log_type: LogType) -> None:
    assert is_error(log_type, row(http_status_code=200, integrated_account_needs_reauth=True))


def test_http_row_without_status_is_not_an_error() -> None:
    assert not is_error(API, row(message="GET /unified/crm/contacts"))


# ---- is_error: webhook -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 400, 413, 500, 503, 504])
def test_webhook_endpoint_status_not_2xx_is_an_error(status: int) -> None:
    assert is_error(HOOK, row(webhook_endpoint_status=status, status="failed"))


@pytest.mark.parametrize("status", [200, 202, 204])
def test_webhook_endpoint_status_2xx_is_not_an_error(status: int) -> None:
    assert not is_error(HOOK, row(webhook_endpoint_status=status, status="delivered"))


def test_failed_webhook_without_endpoint_status_is_an_error() -> None:
    assert is_error(HOOK, row(status="failed", message="timeout after 30000ms"))


# ---- is_error: rapid_bridge --------------------------------------------------------------------


@pytest.mark.parametrize("event", ["record_error", "failed"])
def test_record_error_and_failed_events_are_errors(event: str) -> None:
    assert is_error(RB, row(sync_job_run_event=event))


def test_failed_status_is_an_error() -> None:
    assert is_error(RB, row(sync_job_run_event="updated", status="failed"))


@pytest.mark.parametrize("flag", ["webhook_successful", "datastore_successful"])
def test_records_not_delivered_is_an_error(flag: str) -> None:
    assert is_error(RB, row(sync_job_run_event="completed", num_records=20, **{flag: False}))


def test_delivery_flag_false_without_records_is_not_an_error() -> None:
    assert not is_error(RB, row(sync_job_run_event="completed", num_records=0, webhook_successful=False))


@pytest.mark.parametrize("event", ["created", "started", "record", "rate_limited", "completed"])
def test_lifecycle_events_including_rate_limited_are_not_errors(event: str) -> None:
    assert not is_error(RB, row(sync_job_run_event=event, status="running", num_records=5, webhook_successful=True))


# ---- is_error: sync_job_cron_trigger -----------------------------------------------------------


def test_cron_row_needing_reauth_is_an_error() -> None:
    assert is_error(CRON, row(integrated_account_needs_reauth=True, message="2026-05-16T06:28:27.040Z WARN x"))


def test_cron_row_with_error_level_message_is_an_error() -> None:
    assert is_error(CRON, row(message="2026-05-16T06:28:27.040Z ERROR sync_job_cron_trigger alarm failed"))


@pytest.mark.parametrize("level", ["INFO", "WARN", "DEBUG"])
def test_cron_row_with_other_levels_is_not_an_error(level: str) -> None:
    assert not is_error(CRON, row(message=f"2026-05-16T06:28:27.040Z {level} error in the text is not the level"))


# ---- classify: http ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_auth(status: int) -> None:
    assert classify(API, row(http_status_code=status), "Unauthorized") is Cause.AUTH


def test_needs_reauth_is_auth_whatever_the_status() -> None:
    assert classify(API, row(http_status_code=500, integrated_account_needs_reauth=True), "boom") is Cause.AUTH


def test_429_is_rate_limit() -> None:
    assert classify(API, row(http_status_code=429), "Too Many Requests") is Cause.RATE_LIMIT


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_provider_error(status: int) -> None:
    text = f"Provider error: Salesforce responded {status}"
    assert classify(LogType.MCP, row(http_status_code=status), text) is Cause.PROVIDER_ERROR


@pytest.mark.parametrize("text", ["Truto internal error while routing", "Unhandled exception in handler"])
def test_5xx_whose_text_blames_truto_is_truto_error(text: str) -> None:
    assert classify(API, row(http_status_code=500), text) is Cause.TRUTO_ERROR


def test_5xx_with_a_mapping_failure_is_mapping() -> None:
    text = "TypeError: Cannot read properties of undefined (reading 'properties') at mapDeal"
    assert classify(LogType.MCP, row(http_status_code=500), text) is Cause.MAPPING


@pytest.mark.parametrize("status", [400, 404, 422])
def test_other_4xx_are_client_errors(status: int) -> None:
    assert classify(API, row(http_status_code=status), "Validation failed: email is invalid") is Cause.CLIENT_ERROR


def test_400_from_a_failed_token_refresh_is_auth() -> None:
    assert classify(API, row(http_status_code=400), "Token refresh failed: invalid_grant") is Cause.AUTH


# ---- classify: webhook, cron -------------------------------------------------------------------


def test_rejected_webhook_delivery_is_webhook_endpoint() -> None:
    assert classify(HOOK, row(webhook_endpoint_status=503), "POST https://x -> 503") is Cause.WEBHOOK_ENDPOINT


def test_unanswered_webhook_delivery_is_webhook_endpoint() -> None:
    assert classify(HOOK, row(status="failed"), "timed out after 30000ms") is Cause.WEBHOOK_ENDPOINT


def test_cron_row_needing_reauth_is_auth() -> None:
    assert classify(CRON, row(integrated_account_needs_reauth=True), "needs reauth") is Cause.AUTH


# ---- classify: rapid_bridge --------------------------------------------------------------------


def test_rate_limited_event_is_rate_limit() -> None:
    assert classify(RB, row(sync_job_run_event="rate_limited"), "retry_after=10s") is Cause.RATE_LIMIT


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("Token refresh failed: invalid_grant", Cause.AUTH),
        ("HubSpot responded 401", Cause.AUTH),
        ("request unauthorized by provider", Cause.AUTH),
        ("Integrated account marked as needs_reauth", Cause.AUTH),
        ("Pipedrive responded 429 Too Many Requests", Cause.RATE_LIMIT),
        ("hit the rate limit of the provider", Cause.RATE_LIMIT),
        ("Salesforce responded 503", Cause.PROVIDER_ERROR),
        ("502 from upstream", Cause.PROVIDER_ERROR),
        ("Bad Gateway", Cause.PROVIDER_ERROR),
        ("Service Unavailable", Cause.PROVIDER_ERROR),
        ("Mapping error at record 12", Cause.MAPPING),
        ("cannot read property 'fields' of undefined", Cause.MAPPING),
        ("JSONata evaluation error", Cause.MAPPING),
        ("transform step threw", Cause.MAPPING),
    ],
)
def test_record_error_is_classified_by_its_text(text: str, cause: Cause) -> None:
    assert classify(RB, row(sync_job_run_event="record_error"), text) is cause


def test_failed_run_row_is_classified_by_its_text() -> None:
    assert classify(RB, row(sync_job_run_event="failed"), "Provider error: 504 Gateway Timeout") is Cause.PROVIDER_ERROR


def test_records_not_delivered_is_delivery() -> None:
    completed = row(sync_job_run_event="completed", num_records=80, webhook_successful=False)
    assert classify(RB, completed, "completed num_records=80") is Cause.DELIVERY


def test_failed_row_that_names_no_cause_is_unknown() -> None:
    assert classify(RB, row(sync_job_run_event="failed"), "Sync job run failed") is Cause.UNKNOWN


# ---- cause_from_text: numbers that are not statuses ------------------------------------------


@pytest.mark.parametrize("text", ["fetch took 500ms", "fetched 503 records", "version 1.503", "id 4011234"])
def test_numbers_that_are_not_statuses_name_no_cause(text: str) -> None:
    assert cause_from_text(text) is None


def test_specific_words_win_over_status_numbers() -> None:
    assert cause_from_text("Upstream answered 500 while refreshing: invalid_grant") is Cause.AUTH
