"""``rapid_bridge`` rows: what happens inside each sync job run, from created to completed or failed.

Every event of a run is also offered to the subscribed webhooks (``sync_job_run:<event>``).
Which runs happen, and which kind each is, is ``sync_jobs``' decision. The kinds are
the stories: ``auth`` (``expired_auth``), ``upstream_5xx`` (``salesforce_5xx``),
``rate_limited`` (``pipedrive_rate_limit``), ``mapping``/``mapping_failed`` (``mapping_error``),
``stuck`` (``stuck_run``), ``delivery_failed`` (``delivery_failure``); else ``normal``. Pages of
Zendesk runs are slow whatever the kind (``slow_zendesk``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import PHRASES, SECOND_MS, Generation, ms
from truto_log_mcp.sandbox.generator.webhook import WebhookDeliveries
from truto_log_mcp.sandbox.world import (
    ENVIRONMENT_ID,
    HUBSPOT,
    STUCK_RUN_LAST_RECORD_AGO,
    WEBHOOK_PRIMARY,
    ZENDESK,
    SyncJob,
)


@dataclass(slots=True)
class SyncRun:
    """One run of a sync job; ``request_type`` is what triggered it (cron, api or webhook)."""

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


def _lands_on(target: tuple[int, int] | None, index: int, page: int, pages: int) -> bool:
    """Whether a planted (resource, page) falls on this page (clamped to the resource's last page)."""
    return target is not None and target[0] == index and page == min(target[1], pages - 1)


class SyncRunEvents:
    """The rapid_bridge events of sync job runs (and the webhook deliveries each event causes)."""

    def __init__(self, gen: Generation, webhooks: WebhookDeliveries) -> None:
        self.gen = gen
        self.webhooks = webhooks

    def play(self, run: SyncRun, at: int, kind: str) -> None:
        """One run, triggered at ``at``, up to its last event; ``kind`` says how it goes wrong, if at all."""
        gen, job = self.gen, run.job
        at += gen.between(40, 400)
        began = at
        self._event(run, at, "created", "created", [f"Sync job run created ({run.request_type})"], "created")
        at += gen.between(300, 2500)
        starting = f"Starting sync of {len(job.resources)} resources: {', '.join(job.resources)}"
        self._event(run, at, "started", "running", [starting], "started")
        if kind == "stuck":
            self._stuck_records(run)
            return
        if kind == "auth":
            self._auth_failure(run, at + gen.between(300, 1200))
            return
        progress = _Progress(at)
        fail_at = self._pick_page(job) if kind == "upstream_5xx" else None
        limit_at = self._pick_page(job) if kind == "rate_limited" else None
        for index, resource in enumerate(job.resources):
            pages = 3 if kind == "delivery_failed" else gen.rng.choice((1, 1, 1, 2, 2, 3))
            list_path = job.account.integration.unified[resource.split("/", 1)[1]][0]
            provider_url = f"https://{job.account.provider_host}{list_path}"
            for page in range(pages):
                fetch = gen.between(3000, 8000) if job.account.integration is ZENDESK else gen.between(150, 900)
                progress.at += fetch + gen.between(100, 3000)
                if _lands_on(fail_at, index, page, pages):
                    self._upstream_failure(run, progress.at, resource, provider_url)
                    return
                if _lands_on(limit_at, index, page, pages):
                    progress.at = self._rate_limited(run, progress.at, resource, provider_url)
                if kind in ("mapping", "mapping_failed") and resource == "ticketing/tickets" and page == 0:
                    self._mapping_errors(run, progress, resource, 3 if kind == "mapping_failed" else gen.between(1, 2))
                    if kind == "mapping_failed":
                        self._mapping_failure(run, progress)
                        return
                rejected = kind == "delivery_failed" and page == 1
                self._record_page(run, progress, resource, provider_url, page, pages, fetch, rejected)
        self._complete(run, progress, began)

    def _pick_page(self, job: SyncJob) -> tuple[int, int]:
        """(resource index, page) where a planted failure happens."""
        return self.gen.rng.randrange(len(job.resources)), self.gen.between(0, 1)

    def _record_page(
        self,
        run: SyncRun,
        progress: _Progress,
        resource: str,
        provider_url: str,
        page: int,
        pages: int,
        fetch: int,
        rejected: bool,
    ) -> None:
        if pages == 1:
            n = self.gen.between(0, 80)
        else:
            n = 100 if page < pages - 1 else self.gen.between(1, 100)
        progress.total += n
        progress.delivery_failed |= rejected
        # The rejected batch reports its own failed delivery, as the completed event reports the run's.
        flags: dict[str, Any] = {"webhook_successful": False} if rejected else {}
        self._event(
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
            **flags,
        )

    def _complete(self, run: SyncRun, progress: _Progress, began: int) -> None:
        progress.at += self.gen.between(200, 1500)
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
        self._event(run, progress.at, "completed", "completed", logs, tail, **extra)

    def _auth_failure(self, run: SyncRun, at: int) -> None:
        account = run.job.account
        token_url = f"https://{account.provider_host}{account.integration.token_path}"
        self._event(
            run,
            at,
            "failed",
            "failed",
            [
                "Access token expired; refreshing",
                f"POST {token_url} 400 ({self.gen.between(80, 260)}ms)",
                "Token refresh failed: invalid_grant",
                f"Integrated account {account.id} marked as needs_reauth",
            ],
            "failed: Token refresh failed: invalid_grant (integrated account needs reauth)",
            level="ERROR",
            num_records=0,
        )

    def _mapping_errors(self, run: SyncRun, progress: _Progress, resource: str, count: int) -> None:
        for _ in range(count):
            progress.at += self.gen.between(50, 400)
            progress.errors += 1
            record = self.gen.between(1, 400)
            self._event(
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

    def _mapping_failure(self, run: SyncRun, progress: _Progress) -> None:
        progress.at += self.gen.between(200, 900)
        self._event(
            run,
            progress.at,
            "failed",
            "failed",
            [f"{progress.errors} records failed mapping", "Sync job run failed: too many record errors"],
            f"failed: {progress.errors} records failed mapping",
            level="ERROR",
            num_records=progress.total,
        )

    def _stuck_records(self, run: SyncRun) -> None:
        last = self.gen.now - ms(STUCK_RUN_LAST_RECORD_AGO)
        for ago_s, resource in ((38 * 60, "crm/contacts"), (35 * 60, "crm/contacts"), (32 * 60 + 40, "crm/deals")):
            self._stuck_record(run, self.gen.now - ago_s * SECOND_MS, resource, 100, self.gen.between(300, 900))
        self._stuck_record(run, last, "crm/deals", 100, self.gen.between(300, 900))

    def _stuck_record(self, run: SyncRun, at: int, resource: str, n: int, fetch: int) -> None:
        path = HUBSPOT.unified[resource.split("/", 1)[1]][0]
        self._event(
            run,
            at,
            "record",
            "running",
            [f"GET https://api.hubapi.com{path}?limit=100 200 ({fetch}ms)", f"Fetched {n} {resource} records"],
            f"record {resource} {n} records",
            num_records=n,
            resource=resource,
        )

    def _upstream_failure(self, run: SyncRun, at: int, resource: str, provider_url: str) -> None:
        rng = self.gen.rng
        status = rng.choice((500, 502, 503, 503))
        request_id = f"{rng.getrandbits(48):012x}"
        error = f"Salesforce responded {status} {PHRASES[status]} (request id {request_id})"
        logs = [f"GET {provider_url} {status} ({self.gen.between(200, 3000)}ms)"]
        for attempt in (1, 2, 3):
            logs.append(f"Retry {attempt}/3 after {2**attempt}s: {status} {PHRASES[status]}")
        logs.append(f"Provider error: {error}")
        self._event(
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

    def _rate_limited(self, run: SyncRun, at: int, resource: str, provider_url: str) -> int:
        rng = self.gen.rng
        for attempt in range(1, self.gen.between(1, 3) + 1):
            wait = rng.choice((10, 20, 30, 60))
            self._event(
                run,
                at,
                "rate_limited",
                "rate_limited",
                [
                    f"GET {provider_url} 429 ({self.gen.between(40, 200)}ms)",
                    "Pipedrive responded 429 Too Many Requests",
                    f"Backing off {wait}s before retrying (attempt {attempt})",
                ],
                f"rate_limited {resource} retry_after={wait}s",
                level="WARN",
                resource=resource,
                retry_after=wait,
                retry_count=attempt,
            )
            at += wait * SECOND_MS + self.gen.between(50, 500)
        return at

    def _event(
        self,
        run: SyncRun,
        at: int,
        event: str,
        status: str,
        logs: list[str],
        tail: str,
        level: str = "INFO",
        deliver_status: int | None = None,
        **extra: Any,
    ) -> None:
        """Emit one event row and deliver it; ``deliver_status``: the primary endpoint's first answer."""
        job = run.job
        account = job.account
        stamp = self.gen.iso(at)
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
        self.gen.emit(LogType.RAPID_BRIDGE, at, row)
        resource = extra.get("resource")
        self.webhooks.deliver(
            f"sync_job_run:{event}",
            at,
            f"sync_job_run_id={run.run_id}",
            resource=resource,
            method="list" if resource else None,
            force_status=deliver_status,
        )
