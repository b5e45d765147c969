"""What the fault tests share: small timings, the calls that read the upstream, and the recovery check."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.helpers import server_on, structured
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import STORIES, Fault, Sandbox

FAST: dict[str, Any] = {
    "max_attempts": 3,
    "retry_after_cap_s": 1.0,
    "call_deadline_s": 8.0,
    "request_timeout_s": 2.0,
    "scan_concurrency": 1,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.02,
}
"""Small timings (a short retry back-off: no test here is about its schedule); one scan worker, so that
a scan reads its window as one sub-window, its pages in order (the newest first)."""

PASS = Fault(hang_s=0)
"""A queue entry that lets one request through untouched."""

RUN_ID = STORIES["expired_auth"].ids["sync_job_run_id"]

UPSTREAM_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_logs", {"log_type": "webhook", "limit": 5}),
    ("summarize_errors", {"log_type": "webhook", "since": "24h"}),
    ("log_stats", {"log_type": "webhook", "since": "24h"}),
    ("trace_sync_run", {"sync_job_run_id": RUN_ID}),
    ("list_sync_runs", {}),
]
"""One call of every tool that reads the upstream (each a single scan: faults hit it predictably)."""


async def assert_next_call_answered(client: Client, sandbox: Sandbox) -> None:
    """The upstream has recovered: the same client's next call answers the right rows."""
    sandbox.faults.clear()
    result = await client.call_tool("search_logs", {"log_type": "webhook", "limit": 3, "fields": ["timestamp"]})
    expected = [row["timestamp"] for row in sandbox.rows(LogType.WEBHOOK)[:3]]
    assert [row[1] for row in structured(result)["rows"]] == expected


def newest_webhook_timestamps(sandbox: Sandbox, count: int) -> list[str]:
    return [row["timestamp"] for row in sandbox.rows(LogType.WEBHOOK)[:count]]


def client_with(sandbox: Sandbox, **settings: Any) -> Client:
    return Client(server_on(sandbox, **{**FAST, **settings}))
