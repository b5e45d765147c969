"""``webhook`` rows: Truto delivering events to the customer's webhook endpoints, with retries.

Deliveries are caused by the other log types (every sync run event is offered to the subscribed
webhooks through ``WebhookDeliveries.deliver``) and by activity that leaves no other log here:
normalised provider record events, integrated account events and a test delivery.
Stories: the partner endpoint that is down (``webhook_endpoint_down``), the record batch the
primary endpoint rejects with 413 (``delivery_failure``), the authentication_error event of the
expired HubSpot account (``expired_auth``).
"""

from __future__ import annotations

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import DAY_MS, SECOND_MS, Generation
from truto_log_mcp.sandbox.generator.stories import StoryTimeline
from truto_log_mcp.sandbox.world import (
    ACCOUNTS,
    ENVIRONMENT_ID,
    HUBSPOT_ACME,
    HUBSPOT_GLOBEX,
    JIRA_ACME,
    SALESFORCE_GLOBEX,
    WEBHOOK_PARTNER,
    WEBHOOK_PRIMARY,
    WEBHOOKS,
    ZENDESK_ACME,
    Webhook,
)


class WebhookDeliveries:
    """Every delivery: ``deliver`` for the events other log types cause, ``run`` for the rest."""

    def __init__(self, gen: Generation, timeline: StoryTimeline) -> None:
        self.gen = gen
        self.timeline = timeline
        self._subscribers: dict[str, tuple[Webhook, ...]] = {}

    def run(self) -> None:
        """Deliveries not caused by sync runs: normalised provider events, account events, a test."""
        gen, rng = self.gen, self.gen.rng
        sources = (HUBSPOT_GLOBEX, SALESFORCE_GLOBEX, ZENDESK_ACME, JIRA_ACME)
        for at in gen.times(gen.count(80, gen.start, gen.now), gen.start, gen.now):
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
        for at in gen.times(gen.count(0.7, gen.start, gen.now), gen.start, gen.now):
            account = rng.choice(healthy)
            event = "integrated_account:active" if rng.random() < 0.25 else "integrated_account:updated"
            self.deliver(event, at, f"integrated_account_id={account.id}")
        self.deliver(
            "integrated_account:authentication_error",
            self.timeline.expiry + 1200,
            f"integrated_account_id={HUBSPOT_ACME.id}",
        )
        self.deliver("test", gen.start + DAY_MS // 3, "webhook_test=true")

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
        """Deliver ``event`` to its subscribers; ``force_status``: the primary endpoint's first answer."""
        subscribers = self._subscribers.get(event)
        if subscribers is None:
            subscribers = self._subscribers[event] = tuple(hook for hook in WEBHOOKS if hook.wants(event))
        for hook in subscribers:
            forced = force_status if hook is WEBHOOK_PRIMARY else None
            self._delivery(hook, event, at + self.gen.between(60, 900), subject, resource, method, forced)

    def _endpoint_answer(self, hook: Webhook, at: int) -> tuple[int | None, int]:
        rng = self.gen.rng
        roll = rng.random()
        if hook is WEBHOOK_PARTNER and at >= self.timeline.webhook_down_at:
            if roll < 0.5:
                return 503, self.gen.between(20, 300)
            if roll < 0.85:
                return 504, self.gen.between(29_000, 30_000)
            return None, 30_000
        if roll < 0.004:
            return 500, self.gen.between(30, 400)
        return 200, self.gen.between(35, 420)

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
        delivery_id = self.gen.uuid()
        size = self.gen.between(600, 2400) if resource is None else self.gen.between(20_000, 240_000)
        for attempt in (1, 2, 3):
            status: int | None
            if forced is not None and attempt == 1:
                status, took = forced, self.gen.between(40, 200)
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
            stamp = self.gen.iso(at)
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
            self.gen.emit(LogType.WEBHOOK, at, row)
            if not retry:
                return
            at += took + (30 if attempt == 1 else 120) * SECOND_MS + self.gen.between(0, 2000)
