"""Planted scenarios with known answers, shared by the analysis tool tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from truto_log_mcp.rules import LogType

NOW = datetime.now(UTC).replace(microsecond=0)


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unified(minutes_ago: float, status: int, integration: str, duration: float = 100.0, **extra: Any) -> dict[str, Any]:
    return {
        "log_type": "unified_proxy_api",
        "timestamp": stamp(minutes_ago),
        "http_status_code": status,
        "integration": integration,
        "resource": "contacts",
        "method": "list",
        "duration": duration,
        "fetch_duration": duration * 0.8,
        "integrated_account_id": f"acct-{integration}",
        "message": f"{stamp(minutes_ago)} INFO 1.2.3.4 (abc123) GET https://api.truto.one/unified/crm/x {status}",
        **extra,
    }


def planted() -> dict[LogType, list[dict[str, Any]]]:
    rows = [
        unified(
            i * 10 + 1,
            401,
            "hubspot",
            integrated_account_needs_reauth=True,
            logs=["Refreshing token", "Token refresh failed: invalid_grant"],
        )
        for i in range(10)
    ]
    rows += [
        unified(
            i * 7 + 2,
            502,
            "salesforce",
            logs=[f"Provider error: Salesforce responded 502 Bad Gateway (request id {i:04x}beef{i:04x})"],
        )
        for i in range(5)
    ]
    rows += [unified(i * 5 + 3, 200, "zendesk", duration=100.0 + i) for i in range(15)]
    webhooks = [
        {
            "log_type": "webhook",
            "timestamp": stamp(i * 11 + 4),
            "event": "record:created",
            "webhook_id": "wh-1",
            "webhook_endpoint_status": 503 if i < 4 else 200,
            "status": "failed" if i < 4 else "success",
            "message": f"{stamp(i * 11 + 4)} INFO webhook record:created -> https://hooks.example/x "
            f"{503 if i < 4 else 200}",
        }
        for i in range(10)
    ]
    old = [unified(60 * 24 * 40, 500, "jira", logs=["Provider error: Jira responded 500"])]
    return {LogType.UNIFIED_PROXY_API: rows + old, LogType.WEBHOOK: webhooks}


STAGING_ROWS_IN_A_DAY = 48 + 96
"""The sandbox's staging portal calls in any 24 h: contacts every 30 minutes, deals every 15
(``world.STAGING_SCHEDULE``), all in the second environment."""


def in_environments(rows: dict[Any, list[dict[str, Any]]], environment: str, other: str, run_id: str) -> None:
    """Stamp every planted row with ``environment``, and the rows naming ``run_id`` with ``other``."""
    for kept in rows.values():
        for row in kept:
            named = row.get("sync_job_run_id") == run_id or run_id in str(row.get("message", ""))
            row["environment_id"] = other if named else environment
