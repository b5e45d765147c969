"""Deterministic, realistic Truto log activity for the sandbox, with failure stories planted in it.

Why: the tests, the ``demo`` command and the benchmarks all need logs that look like one real Truto
environment (every field of every log type, rows as big as real ones, the failures people
actually debug) and that are identical on every run, so that expected answers can be computed
from the data itself.

Determinism: everything derives from ``random.Random(seed)`` and the ``now`` passed in; nothing
reads the wall clock or the global random state. The topology (environment, accounts, sync
jobs, webhooks, MCP servers) and the ids that the planted stories revolve around are fixed
constants, so tests and the demo can name them through ``STORIES`` without guessing; the
background activity (timestamps, request ids, volumes) follows the seed.

``scale`` multiplies the background volume (API calls, MCP sessions, sync frequency, inbound
record events). The planted stories keep their size at every scale.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.world import (
    ACCOUNTS,
    AUTH_EXPIRED_AGO,
    DASHBOARD_USER_IDS,
    ENVIRONMENT_ID,
    FAILING_MCP_TOOL,
    HUBSPOT,
    HUBSPOT_ACME,
    HUBSPOT_GLOBEX,
    INBOUND_JIRA_WEBHOOK_ID,
    JIRA,
    JIRA_ACME,
    JIRA_MAPPING_ERRORS_AGO,
    JOB_HUBSPOT_ACME,
    JOB_HUBSPOT_GLOBEX,
    JOB_JIRA_ACME,
    JOB_PIPEDRIVE_GLOBEX,
    JOB_PIPEDRIVE_INITECH,
    JOB_SALESFORCE_INITECH,
    JOB_ZENDESK_ACME,
    MCP_HUBSPOT_GLOBEX,
    MCP_SERVERS,
    MCP_TOOL_FAILING_AGO,
    MCP_ZENDESK_ACME,
    PINNED_RUNS,
    PIPEDRIVE,
    PIPEDRIVE_GLOBEX,
    PIPEDRIVE_INITECH,
    RUN_AUTH_FAILED,
    RUN_DELIVERY_FAILED,
    RUN_MAPPING_ERROR,
    RUN_RATE_LIMITED,
    RUN_STUCK,
    RUN_UPSTREAM_5XX,
    SALESFORCE,
    SALESFORCE_BURSTS_WITHIN,
    SALESFORCE_FAILED_RUN_AGO,
    SALESFORCE_GLOBEX,
    SALESFORCE_INITECH,
    STUCK_RUN_LAST_RECORD_AGO,
    STUCK_RUN_STARTED_AGO,
    SYNC_JOBS,
    TRUTO_HOST,
    WEBHOOK_DOWN_AGO,
    WEBHOOK_PARTNER,
    WEBHOOK_PRIMARY,
    WEBHOOKS,
    ZENDESK,
    ZENDESK_ACME,
    Account,
    Integration,
    McpServer,
    McpTool,
    SyncJob,
    Webhook,
)

Row = dict[str, Any]

SECOND_MS: Final = 1_000
MINUTE_MS: Final = 60 * SECOND_MS
HOUR_MS: Final = 60 * MINUTE_MS
DAY_MS: Final = 24 * HOUR_MS

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_TRUTO_ORIGIN: Final = f"https://{TRUTO_HOST}"
_MCP_MASK: Final = "********"


# --------------------------------------------------------------------------------------------
# The stories: what is planted, and the ids to find it by.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    summary: str
    log_types: tuple[LogType, ...]
    ids: Mapping[str, str]
    """Field name -> value that locates the story (filters or row fields)."""
    since: timedelta
    """How long before ``now`` it begins (rows older than ``days`` are not generated)."""
    clue: str
    """Text that appears in the story's rows (``logs`` or ``message``)."""
    extra: Mapping[str, str] = field(default_factory=dict)


STORIES: Final[dict[str, Story]] = {
    story.name: story
    for story in (
        Story(
            "expired_auth",
            "HubSpot account (acme-corp) whose OAuth token expired 3 days ago: its unified/proxy calls answer "
            "401 with integrated_account_needs_reauth true, its sync runs fail on token refresh, its cron "
            "triggers carry integrated_account_needs_reauth true, and an integrated_account:authentication_error "
            "webhook was delivered.",
            (LogType.UNIFIED_PROXY_API, LogType.RAPID_BRIDGE, LogType.SYNC_JOB_CRON_TRIGGER, LogType.WEBHOOK),
            {
                "integrated_account_id": HUBSPOT_ACME.id,
                "integration": "hubspot",
                "sync_job_id": JOB_HUBSPOT_ACME.id,
                "sync_job_run_id": RUN_AUTH_FAILED,
            },
            AUTH_EXPIRED_AGO,
            "Token refresh failed: invalid_grant",
        ),
        Story(
            "salesforce_5xx",
            "Salesforce answering 500/502/503 in bursts of 10-25 minutes over the last 2 days (both Salesforce "
            "accounts); sync runs caught in a burst fail with the provider error.",
            (LogType.UNIFIED_PROXY_API, LogType.RAPID_BRIDGE, LogType.MCP),
            {
                "integration": "salesforce",
                "integrated_account_id": SALESFORCE_INITECH.id,
                "sync_job_id": JOB_SALESFORCE_INITECH.id,
                "sync_job_run_id": RUN_UPSTREAM_5XX,
            },
            SALESFORCE_BURSTS_WITHIN,
            "Salesforce responded 503 Service Unavailable",
            {"second_integrated_account_id": SALESFORCE_GLOBEX.id},
        ),
        Story(
            "pipedrive_rate_limit",
            "Pipedrive answering 429 (mostly 14:00-16:00 UTC); Pipedrive sync runs log rate_limited events "
            "(retry_after, retry_count) and then resume and complete.",
            (LogType.UNIFIED_PROXY_API, LogType.RAPID_BRIDGE),
            {
                "integration": "pipedrive",
                "integrated_account_id": PIPEDRIVE_GLOBEX.id,
                "sync_job_id": JOB_PIPEDRIVE_GLOBEX.id,
                "sync_job_run_id": RUN_RATE_LIMITED,
            },
            timedelta(days=14),
            "Pipedrive responded 429 Too Many Requests",
        ),
        Story(
            "webhook_endpoint_down",
            "The customer's partner-bridge endpoint answers 503/504 or times out for the last 36 hours; "
            "every delivery to that webhook fails (retried up to 3 attempts).",
            (LogType.WEBHOOK,),
            {"webhook_id": WEBHOOK_PARTNER.id},
            WEBHOOK_DOWN_AGO,
            WEBHOOK_PARTNER.url,
            {"url": WEBHOOK_PARTNER.url},
        ),
        Story(
            "slow_zendesk",
            "Zendesk calls take 3-8 s (others 80-600 ms), almost all of it fetch_duration; its sync runs and "
            "MCP tool calls are slow too.",
            (LogType.UNIFIED_PROXY_API, LogType.MCP, LogType.RAPID_BRIDGE),
            {
                "integration": "zendesk",
                "integrated_account_id": ZENDESK_ACME.id,
                "mcp_server_id": MCP_ZENDESK_ACME.id,
                "sync_job_id": JOB_ZENDESK_ACME.id,
            },
            timedelta(days=14),
            "acme.zendesk.com",
        ),
        Story(
            "stuck_run",
            "A HubSpot sync run that started 40 minutes ago, logged its last record event 30 minutes ago and "
            "never completed (status running).",
            (LogType.RAPID_BRIDGE, LogType.SYNC_JOB_CRON_TRIGGER),
            {
                "sync_job_run_id": RUN_STUCK,
                "sync_job_id": JOB_HUBSPOT_GLOBEX.id,
                "integrated_account_id": HUBSPOT_GLOBEX.id,
            },
            STUCK_RUN_STARTED_AGO,
            "record crm/deals",
        ),
        Story(
            "mapping_error",
            "Jira sync runs of the last 5 days log record_error events (a mapping error on ticketing/tickets); "
            "most still complete, some fail.",
            (LogType.RAPID_BRIDGE, LogType.WEBHOOK),
            {
                "integration": "jira",
                "integrated_account_id": JIRA_ACME.id,
                "sync_job_id": JOB_JIRA_ACME.id,
                "sync_job_run_id": RUN_MAPPING_ERROR,
            },
            JIRA_MAPPING_ERRORS_AGO,
            "Mapping error: cannot read property 'fields' of undefined",
        ),
        Story(
            "delivery_failure",
            "A Pipedrive sync run that completed with num_records > 0 but webhook_successful false: one record "
            "batch was rejected by the customer's endpoint with 413.",
            (LogType.RAPID_BRIDGE, LogType.WEBHOOK),
            {
                "sync_job_run_id": RUN_DELIVERY_FAILED,
                "sync_job_id": JOB_PIPEDRIVE_INITECH.id,
                "integrated_account_id": PIPEDRIVE_INITECH.id,
                "webhook_id": WEBHOOK_PRIMARY.id,
            },
            timedelta(hours=5, minutes=13),
            "413 Payload Too Large",
        ),
        Story(
            "mcp_tool_errors",
            "One MCP server's tools/call of list_all_hub_spot_deals answers 500 since 1 day ago (other tools "
            "of that server keep working).",
            (LogType.MCP,),
            {
                "mcp_server_id": MCP_HUBSPOT_GLOBEX.id,
                "tool_name": FAILING_MCP_TOOL,
                "integrated_account_id": HUBSPOT_GLOBEX.id,
                "integration": "hubspot",
            },
            MCP_TOOL_FAILING_AGO,
            "Cannot read properties of undefined (reading 'properties')",
        ),
    )
}


# --------------------------------------------------------------------------------------------
# The generator.
# --------------------------------------------------------------------------------------------

_DIURNAL: Final = tuple(
    0.2 + 0.8 * math.exp(-((min(abs(hour - 15), 24 - abs(hour - 15)) / 4.5) ** 2)) for hour in range(24)
)
"""Relative activity per UTC hour: busiest mid-afternoon UTC, quiet at night."""

_PHRASES: Final = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_HTTP_METHODS: Final = {"list": "GET", "get": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE"}
_HEADERS_JSON: Final = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-truto-environment-id": ENVIRONMENT_ID,
}
_HEADERS_429: Final = {**_HEADERS_JSON, "retry-after": "2"}
_HEADERS_EMPTY: Final = {"cache-control": "no-store", "x-truto-environment-id": ENVIRONMENT_ID}
_DASHBOARD_UA: Final = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
_DASHBOARD_IPS: Final = (("203.0.113.24", "US"), ("198.51.100.7", "IN"))
_MCP_CLIENTS: Final[tuple[tuple[str, tuple[str, ...], str, float], ...]] = (
    # name, versions, user agent, weight
    ("Claude-User", ("0.10.1", "0.11.6"), "Claude-User (+https://support.anthropic.com/)", 0.40),
    ("Cursor", ("1.2.4", "1.3.9"), "Cursor/1.3.9 (darwin arm64)", 0.28),
    ("claude-code", ("2.0.14",), "claude-code/2.0.14", 0.15),
    ("mcp-remote", ("0.1.29",), "node", 0.12),
    ("truto-dashboard", ("1.0.0",), _DASHBOARD_UA, 0.05),
)
_MCP_CLIENT_WEIGHTS: Final = tuple(client[3] for client in _MCP_CLIENTS)
_MCP_PEOPLE: Final = (
    ("73.162.44.201", "US"),
    ("81.2.69.142", "GB"),
    ("91.64.12.77", "DE"),
    ("49.207.51.3", "IN"),
    ("24.48.0.1", "CA"),
    ("73.93.120.18", "US"),
)


def generate_rows(*, seed: int, now: datetime, days: int, scale: float) -> dict[LogType, list[Row]]:
    """All generated rows per log type, flat shape, in no particular order."""
    return _Generator(seed, now, days, scale).run()


@dataclass(slots=True)
class _Run:
    job: SyncJob
    run_id: str
    request_type: str
    webhook_id: str | None


@dataclass(slots=True)
class _Progress:
    """Where a run is: its clock, records so far, record errors, whether a delivery was rejected."""

    at: int
    total: int = 0
    errors: int = 0
    delivery_failed: bool = False


@dataclass(slots=True)
class _Outcome:
    """The upstream part of one API request: status, provider time, what went wrong and what was logged."""

    status: int
    fetch: int
    error: str
    logs: list[str]
    remote: list[dict[str, str]]
    headers: dict[str, str] = field(default_factory=lambda: _HEADERS_JSON)
    result_count: int | None = None
    needs_reauth: bool = False


def _lands_on(target: tuple[int, int] | None, index: int, page: int, pages: int) -> bool:
    """Whether a planted (resource, page) falls on this page (clamped to the resource's last page)."""
    return target is not None and target[0] == index and page == min(target[1], pages - 1)


class _Generator:
    def __init__(self, seed: int, now: datetime, days: int, scale: float) -> None:
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self.now = (now - _EPOCH) // timedelta(milliseconds=1)
        self.start = self.now - days * DAY_MS
        self.scale = max(scale, 0.0)
        self.out: dict[LogType, list[Row]] = {log_type: [] for log_type in LogType}
        self._hour_prefix: dict[int, str] = {}
        self.expiry = self.now - _ms(AUTH_EXPIRED_AGO)
        self.webhook_down_at = self.now - _ms(WEBHOOK_DOWN_AGO)
        self.mcp_failing_at = self.now - _ms(MCP_TOOL_FAILING_AGO)
        self.mapping_errors_at = self.now - _ms(JIRA_MAPPING_ERRORS_AGO)
        self.bursts: list[tuple[int, int]] = []
        self._subscribers: dict[str, tuple[Webhook, ...]] = {}

    # ---- helpers ------------------------------------------------------------------------

    def run(self) -> dict[LogType, list[Row]]:
        self._plan_salesforce_bursts()
        self._sync_jobs()
        self._api_traffic()
        self._mcp_traffic()
        self._webhook_traffic()
        return self.out

    def emit(self, log_type: LogType, at: int, row: Row) -> None:
        if self.start <= at < self.now:
            self.out[log_type].append(row)

    def iso(self, at: int) -> str:
        hour, rest = divmod(at, HOUR_MS)
        prefix = self._hour_prefix.get(hour)
        if prefix is None:
            prefix = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:")
            self._hour_prefix[hour] = prefix
        minute, rest = divmod(rest, MINUTE_MS)
        second, milli = divmod(rest, SECOND_MS)
        return f"{prefix}{minute:02d}:{second:02d}.{milli:03d}Z"

    def between(self, lo: int, hi: int) -> int:
        """``random.randint`` without its overhead (same determinism: one ``random()`` draw)."""
        return lo + int(self._random() * (hi - lo + 1))

    def uuid(self) -> str:
        n = self.rng.getrandbits(128)
        n = (n & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ray(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    def count(self, per_day: float, lo: int, hi: int) -> int:
        expected = per_day * max(hi - lo, 0) / DAY_MS * self.scale
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def times(self, n: int, lo: int, hi: int) -> list[int]:
        """``n`` instants in [lo, hi), denser in busy hours."""
        rng, span = self.rng, hi - lo
        out: list[int] = []
        if span <= 0:
            return []
        while len(out) < n:
            at = lo + int(rng.random() * span)
            if rng.random() < _DIURNAL[(at // HOUR_MS) % 24]:
                out.append(at)
        out.sort()
        return out

    def in_burst(self, at: int, slack: int = 0) -> bool:
        return any(lo - slack <= at <= hi for lo, hi in self.bursts)

    def record_id(self, integration: Integration) -> str:
        rng = self.rng
        if integration is SALESFORCE:
            return "003" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", k=12))
        if integration is JIRA:
            return f"OPS-{self.between(1, 4200)}"
        if integration is HUBSPOT:
            return str(self.between(10**10, 10**11))
        return str(self.between(1000, 999_999))

    # ---- story timing -------------------------------------------------------------------

    def _plan_salesforce_bursts(self) -> None:
        pinned_at = self.now - _ms(SALESFORCE_FAILED_RUN_AGO)
        self.bursts.append((pinned_at - 4 * MINUTE_MS, pinned_at + 14 * MINUTE_MS))
        window_lo = self.now - _ms(SALESFORCE_BURSTS_WITHIN)
        for _ in range(5):
            lo = self.between(window_lo, self.now - 2 * HOUR_MS)
            self.bursts.append((lo, lo + self.between(10, 25) * MINUTE_MS))
        self.bursts.sort()

    # ---- sync jobs: cron triggers, rapid_bridge lifecycle, webhook deliveries -------------

    def _sync_jobs(self) -> None:
        pins = {job.id: (self.now - _ms(before), run_id, kind) for job, before, run_id, kind in PINNED_RUNS}
        for job in SYNC_JOBS:
            every = int(min(max(job.every_h * HOUR_MS / max(self.scale, 1e-9), 10 * MINUTE_MS), 12 * HOUR_MS))
            pin = pins.get(job.id)
            anchor = pin[0] if pin else self.now - self.between(1, every)
            slots = list(range(anchor, self.start - 1, -every))[::-1]
            if pin is None or pin[2] != "stuck":
                slots += list(range(anchor + every, self.now, every))
            for at in slots:
                if pin is not None and at == pin[0]:
                    self._run(_Run(job, pin[1], "cron", None), at, pin[2])
                else:
                    self._run(_Run(job, self.uuid(), "cron", None), at, self._kind(job, at))
            # Runs requested outside the schedule: manual (API) runs, and Jira's inbound webhook.
            quiet_from = self.now - HOUR_MS
            for at in self.times(self.count(0.3, self.start, quiet_from), self.start, quiet_from):
                self._run(_Run(job, self.uuid(), "api", None), at, self._kind(job, at))
            if job is JOB_JIRA_ACME:
                for at in self.times(self.count(1.0, self.start, quiet_from), self.start, quiet_from):
                    self._run(_Run(job, self.uuid(), "webhook", INBOUND_JIRA_WEBHOOK_ID), at, self._kind(job, at))

    def _kind(self, job: SyncJob, at: int) -> str:
        account = job.account
        if account is HUBSPOT_ACME and at >= self.expiry:
            return "auth"
        if account.integration is SALESFORCE and self.in_burst(at, slack=3 * MINUTE_MS):
            return "upstream_5xx"
        if account.integration is PIPEDRIVE and self.rng.random() < (0.35 if account is PIPEDRIVE_GLOBEX else 0.1):
            return "rate_limited"
        if account.integration is JIRA and at >= self.mapping_errors_at:
            return "mapping" if self.rng.random() < 0.75 else "mapping_failed"
        return "normal"

    def _run(self, run: _Run, at: int, kind: str) -> None:
        """One sync job run from its trigger to its last event; ``kind`` says how it goes wrong, if at all."""
        job = run.job
        if run.request_type == "cron":
            self._cron_row(run, at)
        at += self.between(40, 400)
        began = at
        self._rb(run, at, "created", "created", [f"Sync job run created ({run.request_type})"], "created")
        at += self.between(300, 2500)
        starting = f"Starting sync of {len(job.resources)} resources: {', '.join(job.resources)}"
        self._rb(run, at, "started", "running", [starting], "started")
        if kind == "stuck":
            self._stuck_records(run)
            return
        if kind == "auth":
            self._auth_failure(run, at + self.between(300, 1200))
            return
        progress = _Progress(at)
        fail_at = self._pick_page(job) if kind == "upstream_5xx" else None
        limit_at = self._pick_page(job) if kind == "rate_limited" else None
        for index, resource in enumerate(job.resources):
            pages = 3 if kind == "delivery_failed" else self.rng.choice((1, 1, 1, 2, 2, 3))
            list_path = job.account.integration.unified[resource.split("/", 1)[1]][0]
            provider_url = f"https://{job.account.provider_host}{list_path}"
            for page in range(pages):
                fetch = self.between(3000, 8000) if job.account.integration is ZENDESK else self.between(150, 900)
                progress.at += fetch + self.between(100, 3000)
                if _lands_on(fail_at, index, page, pages):
                    self._upstream_failure(run, progress.at, resource, provider_url)
                    return
                if _lands_on(limit_at, index, page, pages):
                    progress.at = self._rate_limited(run, progress.at, resource, provider_url)
                if kind in ("mapping", "mapping_failed") and resource == "ticketing/tickets" and page == 0:
                    self._mapping_errors(run, progress, resource, 3 if kind == "mapping_failed" else self.between(1, 2))
                    if kind == "mapping_failed":
                        self._mapping_failure(run, progress)
                        return
                rejected = kind == "delivery_failed" and page == 1
                self._record_page(run, progress, resource, provider_url, page, pages, fetch, rejected)
        self._complete(run, progress, began)

    def _pick_page(self, job: SyncJob) -> tuple[int, int]:
        """(resource index, page) where a planted failure happens."""
        return self.rng.randrange(len(job.resources)), self.between(0, 1)

    def _record_page(
        self,
        run: _Run,
        progress: _Progress,
        resource: str,
        provider_url: str,
        page: int,
        pages: int,
        fetch: int,
        rejected: bool,
    ) -> None:
        if pages == 1:
            n = self.between(0, 80)
        else:
            n = 100 if page < pages - 1 else self.between(1, 100)
        progress.total += n
        progress.delivery_failed |= rejected
        self._rb(
            run,
            progress.at,
            "record",
            "running",
            [
                f"GET {provider_url}{'&' if '?' in provider_url else '?'}limit=100 200 ({fetch}ms)",
                f"Fetched {n} {resource} records (page {page + 1})",
            ],
            f"record {resource} {n} records",
            num_records=n,
            resource=resource,
            deliver_status=413 if rejected else None,
        )

    def _complete(self, run: _Run, progress: _Progress, began: int) -> None:
        progress.at += self.between(200, 1500)
        seconds = (progress.at - began) / 1000
        logs = [f"Sync completed: {progress.total} records in {seconds:.1f}s"]
        if progress.errors:
            logs.append(f"{progress.errors} records skipped because of mapping errors")
        if progress.delivery_failed:
            logs.append(f"Webhook delivery failed for 1 of 3 batches: 413 Payload Too Large from {WEBHOOK_PRIMARY.url}")
        extra: dict[str, Any] = {"num_records": progress.total, "webhook_successful": not progress.delivery_failed}
        if run.job.datastore:
            extra["datastore_successful"] = True
            logs.append("Datastore write: ok")
        tail = f"completed num_records={progress.total} in {seconds:.1f}s"
        self._rb(run, progress.at, "completed", "completed", logs, tail, **extra)

    def _auth_failure(self, run: _Run, at: int) -> None:
        account = run.job.account
        token_url = f"https://{account.provider_host}{account.integration.token_path}"
        self._rb(
            run,
            at,
            "failed",
            "failed",
            [
                "Access token expired; refreshing",
                f"POST {token_url} 400 ({self.between(80, 260)}ms)",
                "Token refresh failed: invalid_grant",
                f"Integrated account {account.id} marked as needs_reauth",
            ],
            "failed: Token refresh failed: invalid_grant (integrated account needs reauth)",
            level="ERROR",
            num_records=0,
        )

    def _mapping_errors(self, run: _Run, progress: _Progress, resource: str, count: int) -> None:
        for _ in range(count):
            progress.at += self.between(50, 400)
            progress.errors += 1
            record = self.between(1, 400)
            self._rb(
                run,
                progress.at,
                "record_error",
                "running",
                [
                    f"Mapping error: cannot read property 'fields' of undefined at record {record}",
                    f"Skipped record {record} of {resource}",
                ],
                f"record_error {resource}: Mapping error at record {record}",
                level="ERROR",
                resource=resource,
            )

    def _mapping_failure(self, run: _Run, progress: _Progress) -> None:
        progress.at += self.between(200, 900)
        self._rb(
            run,
            progress.at,
            "failed",
            "failed",
            [f"{progress.errors} records failed mapping", "Sync job run failed: too many record errors"],
            f"failed: {progress.errors} records failed mapping",
            level="ERROR",
            num_records=progress.total,
        )

    def _stuck_records(self, run: _Run) -> None:
        last = self.now - _ms(STUCK_RUN_LAST_RECORD_AGO)
        for ago_s, resource in ((38 * 60, "crm/contacts"), (35 * 60, "crm/contacts"), (32 * 60 + 40, "crm/deals")):
            self._stuck_record(run, self.now - ago_s * SECOND_MS, resource, 100, self.between(300, 900))
        self._stuck_record(run, last, "crm/deals", 100, self.between(300, 900))

    def _stuck_record(self, run: _Run, at: int, resource: str, n: int, fetch: int) -> None:
        path = HUBSPOT.unified[resource.split("/", 1)[1]][0]
        self._rb(
            run,
            at,
            "record",
            "running",
            [f"GET https://api.hubapi.com{path}?limit=100 200 ({fetch}ms)", f"Fetched {n} {resource} records"],
            f"record {resource} {n} records",
            num_records=n,
            resource=resource,
        )

    def _upstream_failure(self, run: _Run, at: int, resource: str, provider_url: str) -> None:
        rng = self.rng
        status = rng.choice((500, 502, 503, 503))
        request_id = f"{rng.getrandbits(48):012x}"
        error = f"Salesforce responded {status} {_PHRASES[status]} (request id {request_id})"
        logs = [f"GET {provider_url} {status} ({self.between(200, 3000)}ms)"]
        for attempt in (1, 2, 3):
            logs.append(f"Retry {attempt}/3 after {2**attempt}s: {status} {_PHRASES[status]}")
        logs.append(f"Provider error: {error}")
        self._rb(
            run,
            at + 14_000,
            "failed",
            "failed",
            logs,
            f"failed: {error} after 3 retries",
            level="ERROR",
            resource=resource,
            retry_count=3,
        )

    def _rate_limited(self, run: _Run, at: int, resource: str, provider_url: str) -> int:
        rng = self.rng
        for attempt in range(1, self.between(1, 3) + 1):
            wait = rng.choice((10, 20, 30, 60))
            self._rb(
                run,
                at,
                "rate_limited",
                "rate_limited",
                [
                    f"GET {provider_url} 429 ({self.between(40, 200)}ms)",
                    "Pipedrive responded 429 Too Many Requests",
                    f"Backing off {wait}s before retrying (attempt {attempt})",
                ],
                f"rate_limited {resource} retry_after={wait}s",
                level="WARN",
                resource=resource,
                retry_after=wait,
                retry_count=attempt,
            )
            at += wait * SECOND_MS + self.between(50, 500)
        return at

    def _rb(
        self,
        run: _Run,
        at: int,
        event: str,
        status: str,
        logs: list[str],
        tail: str,
        level: str = "INFO",
        deliver_status: int | None = None,
        **extra: Any,
    ) -> None:
        job = run.job
        account = job.account
        stamp = self.iso(at)
        row: Row = {
            "app_env": "production",
            "durable_object": "sync_job_run",
            "environment_id": ENVIRONMENT_ID,
            "integrated_account_id": account.id,
            "integration": account.integration.name,
            "log_type": "rapid_bridge",
            "logs": logs,
            "message": f"{stamp} {level} sync_job_run {run.run_id} {tail}",
            "method": "list",
            "service": "truto-api",
            "status": status,
            "sync_job_id": job.id,
            "sync_job_request_type": run.request_type,
            "sync_job_run_event": event,
            "sync_job_run_id": run.run_id,
            "timestamp": stamp,
        }
        if run.webhook_id:
            row["webhook_id"] = run.webhook_id
        row.update(extra)
        self.emit(LogType.RAPID_BRIDGE, at, row)
        resource = extra.get("resource")
        self.deliver(
            f"sync_job_run:{event}",
            at,
            f"sync_job_run_id={run.run_id}",
            resource=resource,
            method="list" if resource else None,
            force_status=deliver_status,
        )

    def _cron_row(self, run: _Run, at: int) -> None:
        job = run.job
        account = job.account
        needs_reauth = account is HUBSPOT_ACME and at >= self.expiry
        duration = self.between(12, 140)
        stamp = self.iso(at)
        every_min = round(job.every_h * 60)
        logs = [f"Alarm fired for sync job {job.id} (every {every_min} min)", f"Created sync job run {run.run_id}"]
        if needs_reauth:
            logs.append(f"Integrated account {account.id} needs reauth; the run is expected to fail")
        self.emit(
            LogType.SYNC_JOB_CRON_TRIGGER,
            at,
            {
                "alarm_type": "sync_job_cron_trigger",
                "app_env": "production",
                "duration": duration,
                "entity_id": job.id,
                "environment_id": ENVIRONMENT_ID,
                "integrated_account_id": account.id,
                "integrated_account_needs_reauth": needs_reauth,
                "integration": account.integration.name,
                "log_type": "sync_job_cron_trigger",
                "logs": logs,
                "message": f"{stamp} {'WARN' if needs_reauth else 'INFO'} sync_job_cron_trigger "
                f"entity_id={job.id} sync_job_run_id={run.run_id} {duration}ms",
                "service": "truto-api",
                "timestamp": stamp,
            },
        )

    # ---- webhook deliveries -------------------------------------------------------------

    def deliver(
        self,
        event: str,
        at: int,
        subject: str,
        *,
        resource: str | None = None,
        method: str | None = None,
        force_status: int | None = None,
    ) -> None:
        subscribers = self._subscribers.get(event)
        if subscribers is None:
            subscribers = self._subscribers[event] = tuple(hook for hook in WEBHOOKS if hook.wants(event))
        for hook in subscribers:
            forced = force_status if hook is WEBHOOK_PRIMARY else None
            self._delivery(hook, event, at + self.between(60, 900), subject, resource, method, forced)

    def _endpoint_answer(self, hook: Webhook, at: int) -> tuple[int | None, int]:
        rng = self.rng
        roll = rng.random()
        if hook is WEBHOOK_PARTNER and at >= self.webhook_down_at:
            if roll < 0.5:
                return 503, self.between(20, 300)
            if roll < 0.85:
                return 504, self.between(29_000, 30_000)
            return None, 30_000
        if roll < 0.004:
            return 500, self.between(30, 400)
        return 200, self.between(35, 420)

    def _delivery(
        self,
        hook: Webhook,
        event: str,
        at: int,
        subject: str,
        resource: str | None,
        method: str | None,
        forced: int | None,
    ) -> None:
        delivery_id = self.uuid()
        size = self.between(600, 2400) if resource is None else self.between(20_000, 240_000)
        for attempt in (1, 2, 3):
            status: int | None
            if forced is not None and attempt == 1:
                status, took = forced, self.between(40, 200)
            else:
                status, took = self._endpoint_answer(hook, at)
            ok = status is not None and 200 <= status < 300
            if status is None:
                outcome, answer = f"timed out after {took}ms", "timeout after 30000ms"
            else:
                outcome, answer = f"-> {status} in {took}ms", str(status)
            logs = [f"Delivering {event} ({size} bytes, attempt {attempt}/3)", f"POST {hook.url} {outcome}"]
            retry = not ok and (status is None or status >= 500 or status == 429) and attempt < 3
            if retry:
                logs.append(f"Will retry in {30 if attempt == 1 else 120}s")
            stamp = self.iso(at)
            level = "INFO" if ok else "ERROR"
            row: Row = {
                "app_env": "production",
                "environment_id": ENVIRONMENT_ID,
                "event": event,
                "id": delivery_id,
                "log_type": "webhook",
                "logs": logs,
                "message": f"{stamp} {level} webhook {event} {subject} -> {hook.url} {answer}",
                "queue": "webhooks",
                "service": "truto-api",
                "status": "delivered" if ok else "failed",
                "timestamp": stamp,
                "webhook_id": hook.id,
            }
            if status is not None:
                row["webhook_endpoint_status"] = status
            if resource:
                row["resource"] = resource
            if method:
                row["method"] = method
            self.emit(LogType.WEBHOOK, at, row)
            if not retry:
                return
            at += took + (30 if attempt == 1 else 120) * SECOND_MS + self.between(0, 2000)

    def _webhook_traffic(self) -> None:
        """Deliveries not caused by sync runs: normalised provider events, account events, a test."""
        rng = self.rng
        sources = (HUBSPOT_GLOBEX, SALESFORCE_GLOBEX, ZENDESK_ACME, JIRA_ACME)
        for at in self.times(self.count(80, self.start, self.now), self.start, self.now):
            account = rng.choice(sources)
            integration = account.integration
            resource = f"{integration.category}/{rng.choice(tuple(integration.unified))}"
            roll = rng.random()
            action, method = (
                ("created", "create")
                if roll < 0.3
                else ("deleted", "delete")
                if roll > 0.9
                else (
                    "updated",
                    "update",
                )
            )
            self.deliver(
                f"record:{action}", at, f"integrated_account_id={account.id}", resource=resource, method=method
            )
        healthy = tuple(account for account in ACCOUNTS if account is not HUBSPOT_ACME)
        for at in self.times(self.count(0.7, self.start, self.now), self.start, self.now):
            account = rng.choice(healthy)
            event = "integrated_account:active" if rng.random() < 0.25 else "integrated_account:updated"
            self.deliver(event, at, f"integrated_account_id={account.id}")
        self.deliver(
            "integrated_account:authentication_error", self.expiry + 1200, f"integrated_account_id={HUBSPOT_ACME.id}"
        )
        self.deliver("test", self.start + DAY_MS // 3, "webhook_test=true")

    # ---- unified / proxy API traffic ----------------------------------------------------

    def _api_traffic(self) -> None:
        for account in ACCOUNTS:
            n = self.count(account.calls_per_day / 1.7, self.start, self.now)
            for at in self.times(n, self.start, self.now):
                self._api_session(account, at)
        # Story: the first call after the token expired, then the customer's retries during bursts.
        self._api_call(HUBSPOT_ACME, self.expiry + 800, "unified", "contacts", "list", 0, False)
        rng = self.rng
        for lo, hi in self.bursts:
            for at in sorted(self.between(lo, hi) for _ in range(self.between(12, 20))):
                account = SALESFORCE_INITECH if rng.random() < 0.6 else SALESFORCE_GLOBEX
                self._api_call(
                    account, at, "unified", rng.choice(("contacts", "accounts", "opportunities")), "list", 0, False
                )

    def _api_session(self, account: Account, at: int) -> None:
        rng = self.rng
        integration = account.integration
        dashboard = rng.random() < 0.04
        request_type = "proxy" if rng.random() < 0.2 else "unified"
        resource = rng.choice(tuple(integration.proxy if request_type == "proxy" else integration.unified))
        roll = rng.random()
        method = (
            "list"
            if roll < 0.66
            else "get"
            if roll < 0.88
            else "create"
            if roll < 0.94
            else "update"
            if roll < 0.99
            else "delete"
        )
        pages = 1 if method != "list" or rng.random() < 0.6 else self.between(2, 5)
        for page in range(pages):
            status, took = self._api_call(account, at, request_type, resource, method, page, dashboard)
            if status >= 400:
                return
            at += took + self.between(120, 1500)

    def _api_call(
        self,
        account: Account,
        at: int,
        request_type: str,
        resource: str,
        method: str,
        page: int,
        dashboard: bool,
    ) -> tuple[int, int]:
        """Emit one unified/proxy API request row; returns (status, duration)."""
        rng = self.rng
        integration, tenant = account.integration, account.tenant
        path, query, provider_url = self._api_target(account, request_type, resource, method, page)
        http_method = _HTTP_METHODS[method]
        outcome = self._api_outcome(account, at, request_type, resource, method, http_method, provider_url)
        status = outcome.status
        duration = outcome.fetch + self.between(12, 70)
        ip, country, agent = rng.choice(tenant.ips), tenant.country, tenant.user_agent
        if dashboard:
            (ip, country), agent = rng.choice(_DASHBOARD_IPS), _DASHBOARD_UA
        ray = self.ray()
        stamp = self.iso(at)
        level = "INFO" if status < 400 else "WARN" if status < 500 else "ERROR"
        base_url = _TRUTO_ORIGIN + path
        message = f"{stamp} {level} {ip} ({ray}) {http_method} {base_url} {status}"
        if outcome.error:
            message += f" - {outcome.error}"
        row: Row = {
            "app_env": "production",
            "authentication_type": "session" if dashboard else "api_token",
            "duration": duration,
            "environment_id": ENVIRONMENT_ID,
            "fetch_duration": outcome.fetch,
            "host": TRUTO_HOST,
            "http_country": country,
            "http_ip": ip,
            "http_method": http_method,
            "http_request_id": ray,
            "http_status_category": f"{status // 100}xx",
            "http_status_code": status,
            "http_url": base_url + "?" + "&".join(f"{key}={value}" for key, value in query.items()),
            "http_url_details_host": TRUTO_HOST,
            "http_url_details_path": path,
            "http_url_details_query_string": query,
            "http_url_details_scheme": "https:",
            "http_useragent": agent,
            "http_version": "HTTP/2" if rng.random() < 0.85 else "HTTP/1.1",
            "integrated_account_id": account.id,
            "integrated_account_needs_reauth": outcome.needs_reauth,
            "integration": integration.name,
            "log_type": "unified_proxy_api",
            "logs": outcome.logs,
            "message": message,
            "method": method,
            "remote_requests": outcome.remote,
            "request_type": request_type,
            "resource": resource,
            "response_headers": outcome.headers,
            "service": "truto-api",
            "tenant_id": tenant.id,
            "timestamp": stamp,
        }
        if outcome.result_count is not None:
            row["result_count"] = outcome.result_count
        if dashboard:
            row["user_id"] = rng.choice(DASHBOARD_USER_IDS)
        self.emit(LogType.UNIFIED_PROXY_API, at, row)
        return status, duration

    def _api_target(
        self, account: Account, request_type: str, resource: str, method: str, page: int
    ) -> tuple[str, dict[str, str], str]:
        """(Truto path, Truto query, provider URL) of one request."""
        integration = account.integration
        catalogue = integration.proxy if request_type == "proxy" else integration.unified
        list_path, item_path = catalogue[resource]
        path = f"/unified/{integration.category}/{resource}" if request_type == "unified" else f"/proxy/{resource}"
        query = {"integrated_account_id": account.id}
        if method == "list":
            provider_url = f"https://{account.provider_host}{list_path}{'&' if '?' in list_path else '?'}limit=100"
            query["limit"] = "100"
            if page:
                query["next_cursor"] = f"{self.rng.getrandbits(96):024x}"
                provider_url += f"&after={page * 100}"
        elif method == "create":
            provider_url = f"https://{account.provider_host}{list_path.split('?', 1)[0]}"
        else:
            record = self.record_id(integration)
            path += f"/{record}"
            provider_url = f"https://{account.provider_host}{item_path.format(id=record)}"
        return path, query, provider_url

    def _api_outcome(
        self,
        account: Account,
        at: int,
        request_type: str,
        resource: str,
        method: str,
        http_method: str,
        provider_url: str,
    ) -> _Outcome:
        """How one request went: the planted stories first, then everyday errors, else success."""
        rng = self.rng
        integration = account.integration
        lo, hi = integration.latency_ms
        fetch = lo + int((hi - lo) * rng.random() ** 1.6)
        remote = [{"method": http_method, "url": provider_url}]
        if account is HUBSPOT_ACME and at >= self.expiry:
            token_url = f"https://{account.provider_host}{integration.token_path}"
            fetch = self.between(60, 240)
            logs = [
                "Access token expired; refreshing",
                f"POST {token_url} 400 ({fetch}ms)",
                "Token refresh failed: invalid_grant",
                f"Integrated account {account.id} marked as needs_reauth",
            ]
            error = "Token refresh failed: invalid_grant (integrated account needs reauth)"
            return _Outcome(401, fetch, error, logs, [{"method": "POST", "url": token_url}], needs_reauth=True)
        if integration is SALESFORCE and self.in_burst(at) and rng.random() < 0.7:
            status = rng.choice((500, 502, 503, 503))
            error = f"Salesforce responded {status} {_PHRASES[status]} (request id {rng.getrandbits(48):012x})"
            logs = [f"{http_method} {provider_url} {status} ({fetch}ms)", f"Provider error: {error}"]
            return _Outcome(status, fetch, error, logs, remote)
        if integration is PIPEDRIVE and rng.random() < (0.45 if (at // HOUR_MS) % 24 in (14, 15) else 0.03):
            fetch = self.between(40, 160)
            error = "Pipedrive responded 429 Too Many Requests (rate limit: 80 requests per 2 seconds)"
            logs = [f"{http_method} {provider_url} 429 ({fetch}ms)", error]
            return _Outcome(429, fetch, error, logs, remote, headers=_HEADERS_429)
        roll = rng.random()
        error = ""
        if method == "get" and roll < 0.03:
            status, error = 404, f"{resource} not found at {integration.name}"
        elif method in ("create", "update") and roll < 0.06:
            status = rng.choice((400, 422))
            error = f"Validation failed: {integration.name} rejected the {resource} payload (email is invalid)"
        elif roll < 0.003:
            status, error = 500, "Internal error while mapping the response"
        else:
            status = {"create": 201, "delete": 204}.get(method, 200)
        refreshed = rng.random() < 0.05
        logs = [
            "Access token refreshed (expires in 1800s)" if refreshed else "Token still valid — no refresh needed",
            f"{http_method} {provider_url} {200 if status == 500 else status} ({fetch}ms)",
        ]
        result_count: int | None = None
        if error:
            logs.append(error)
        elif method == "list":
            result_count = 100 if rng.random() < 0.4 else self.between(0, 99)
            if request_type == "unified":
                logs.append(f"Mapped {result_count} records to {integration.category}/{resource}")
        headers = _HEADERS_EMPTY if status == 204 else _HEADERS_JSON
        return _Outcome(status, fetch, error, logs, remote, headers=headers, result_count=result_count)

    # ---- MCP traffic --------------------------------------------------------------------

    def _mcp_traffic(self) -> None:
        for server in MCP_SERVERS:
            n = self.count(server.sessions_per_day, self.start, self.now)
            for at in self.times(n, self.start, self.now):
                self._mcp_session(server, at, None)
        # Story: people keep asking for deals after the tool broke.
        for at in self.times(14, max(self.mcp_failing_at, self.start), self.now):
            self._mcp_session(MCP_HUBSPOT_GLOBEX, at, FAILING_MCP_TOOL)

    def _mcp_session(self, server: McpServer, at: int, wanted_tool: str | None) -> None:
        rng = self.rng
        name, versions, agent, _ = rng.choices(_MCP_CLIENTS, weights=_MCP_CLIENT_WEIGHTS)[0]
        dashboard = name == "truto-dashboard"
        ip, country = rng.choice(_DASHBOARD_IPS if dashboard else _MCP_PEOPLE)
        session = f"{rng.getrandbits(128):032x}"
        context = _McpContext(
            server=server,
            client=name,
            version=rng.choice(versions),
            agent=agent,
            ip=ip,
            country=country,
            user_id=rng.choice(DASHBOARD_USER_IDS) if dashboard else None,
            headers={"content-type": "application/json", "mcp-session-id": session},
            query={"session_id": session} if name == "mcp-remote" else None,
        )
        at = self._mcp_call(context, at, "initialize", None)
        at = self._mcp_call(context, at + self.between(20, 300), "notifications/initialized", None)
        at = self._mcp_call(context, at + self.between(20, 300), "tools/list", None)
        if name == "Cursor":
            at = self._mcp_call(context, at + self.between(20, 300), "prompts/list", None)
            at = self._mcp_call(context, at + self.between(20, 300), "resources/list", None)
        calls = [rng.choice(server.tools) for _ in range(self.between(1, 5))]
        if wanted_tool is not None:
            calls[0] = next(tool for tool in server.tools if tool.name == wanted_tool)
        for tool in calls:
            at = self._mcp_call(context, at + self.between(1500, 40_000), "tools/call", tool)
        if rng.random() < 0.3:
            self._mcp_call(context, at + self.between(10_000, 60_000), "ping", None)

    def _mcp_call(self, ctx: _McpContext, at: int, mcp_method: str, tool: McpTool | None) -> int:
        """Emit one MCP request row; returns when its response was sent."""
        rng = self.rng
        server = ctx.server
        account = server.account
        integration = account.integration
        error = ""
        fetch: int | None = None
        result_count: int | None = None
        if tool is None:
            status = 202 if mcp_method == "notifications/initialized" else 200
            duration = self.between(4, 25) if status == 202 else self.between(15, 120)
            logs = {
                "initialize": [f"MCP session initialized for {ctx.client} {ctx.version} (protocol 2025-06-18)"],
                "notifications/initialized": ["Client initialized notification acknowledged"],
                "tools/list": [f"Listed {len(server.tools)} tools for {server.name}"],
                "prompts/list": ["Listed 0 prompts"],
                "resources/list": ["Listed 0 resources"],
                "ping": ["pong"],
            }[mcp_method]
        else:
            lo, hi = integration.latency_ms
            fetch = lo + int((hi - lo) * rng.random() ** 1.6)
            duration = fetch + self.between(20, 80)
            paths = integration.unified.get(tool.resource) or integration.proxy.get(tool.resource)
            path = paths[0] if paths else f"/{tool.resource}"
            provider = f"https://{account.provider_host}{path}"
            logs = [f"Calling tool {tool.name}", f"{_HTTP_METHODS[tool.method]} {provider} 200 ({fetch}ms)"]
            if server is MCP_HUBSPOT_GLOBEX and tool.name == FAILING_MCP_TOOL and at >= self.mcp_failing_at:
                status = 500
                error = "TypeError: Cannot read properties of undefined (reading 'properties') at mapDeal"
            elif integration is SALESFORCE and self.in_burst(at) and rng.random() < 0.7:
                status = 502
                error = f"Salesforce responded 503 Service Unavailable (request id {rng.getrandbits(48):012x})"
                logs[1] = f"GET {provider} 503 ({fetch}ms)"
            elif rng.random() < 0.01:
                status = 502
                error = f"Upstream request to {account.provider_host} failed: socket hang up"
            else:
                status = 200
                if tool.method == "list":
                    result_count = self.between(0, 50)
                    logs.append(f"Returned {result_count} {tool.resource}")
            if error:
                logs.append(error)
        ray = self.ray()
        stamp = self.iso(at)
        level = "INFO" if status < 400 else "ERROR"
        url = f"{_TRUTO_ORIGIN}/mcp/{_MCP_MASK}"
        message = f"{stamp} {level} {ctx.ip} ({ray}) POST {url} {status}"
        if error:
            message += f" - {error}"
        if ctx.query:
            url += f"?session_id={ctx.query['session_id']}"
        row: Row = {
            "app_env": "production",
            "authentication_type": "session" if ctx.user_id else "integrated_account",
            "client_name": ctx.client,
            "client_version": ctx.version,
            "duration": duration,
            "environment_id": ENVIRONMENT_ID,
            "host": TRUTO_HOST,
            "http_country": ctx.country,
            "http_ip": ctx.ip,
            "http_method": "POST",
            "http_request_id": ray,
            "http_status_category": f"{status // 100}xx",
            "http_status_code": status,
            "http_url": url,
            "http_url_details_host": TRUTO_HOST,
            "http_url_details_path": f"/mcp/{_MCP_MASK}",
            "http_url_details_scheme": "https:",
            "http_useragent": ctx.agent,
            "http_version": "HTTP/2",
            "integrated_account_id": account.id,
            "integration": integration.name,
            "log_type": "mcp",
            "logs": logs,
            "mcp_method": mcp_method,
            "mcp_server_id": server.id,
            "mcp_server_name": server.name,
            "message": message,
            "request_type": "mcp",
            "response_headers": ctx.headers,
            "service": "truto-api",
            "tenant_id": account.tenant.id,
            "timestamp": stamp,
        }
        if ctx.query:
            row["http_url_details_query_string"] = ctx.query
        if fetch is not None:
            row["fetch_duration"] = fetch
        if tool is not None:
            row["tool_name"] = tool.name
            row["method"] = tool.method
            row["resource"] = tool.resource
        if result_count is not None:
            row["result_count"] = result_count
        if ctx.user_id:
            row["user_id"] = ctx.user_id
        self.emit(LogType.MCP, at, row)
        return at + duration


@dataclass(frozen=True, slots=True)
class _McpContext:
    server: McpServer
    client: str
    version: str
    agent: str
    ip: str
    country: str
    user_id: str | None
    headers: dict[str, str]
    query: dict[str, str] | None


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)
