"""Error rows shared by the template and grouping tests."""

from __future__ import annotations

from typing import Any

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

API = LogType.UNIFIED_PROXY_API
RB = LogType.RAPID_BRIDGE
HOOK = LogType.WEBHOOK


def api_row(status: int = 502, stamp: str = "2026-05-16T06:00:00.000Z", **fields: Any) -> Row:
    return {
        "timestamp": stamp,
        "http_status_code": status,
        "integration": "salesforce",
        "resource": "contacts",
        "integrated_account_id": "acc-1",
        "logs": [f"Provider error: Salesforce responded {status}"],
        **fields,
    }
