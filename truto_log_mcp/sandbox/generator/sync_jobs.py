"""Which sync job runs happen, and how each is meant to go.

Why apart from the log types: one run spans three of them (its ``sync_job_cron_trigger`` when
scheduled, its ``rapid_bridge`` events, the ``webhook`` deliveries those cause). This module
decides when runs start (each job's schedule, manual API runs, Jira's inbound webhook), pins
the story runs whose ids ``STORIES`` names to their fixed instants, and picks each other run's
kind from the stories in force at that moment.
"""

from __future__ import annotations

from truto_log_mcp.sandbox.generator.common import HOUR_MS, MINUTE_MS, Generation, ms
from truto_log_mcp.sandbox.generator.rapid_bridge import SyncRun, SyncRunEvents
from truto_log_mcp.sandbox.generator.stories import StoryTimeline
from truto_log_mcp.sandbox.generator.sync_job_cron_trigger import CronTriggers
from truto_log_mcp.sandbox.generator.webhook import WebhookDeliveries
from truto_log_mcp.sandbox.world import (
    HUBSPOT_ACME,
    INBOUND_JIRA_WEBHOOK_ID,
    JIRA,
    JOB_JIRA_ACME,
    PINNED_RUNS,
    PIPEDRIVE,
    PIPEDRIVE_GLOBEX,
    SALESFORCE,
    SYNC_JOBS,
    SyncJob,
)


class SyncSchedule:
    """Starts every sync job run: its trigger row if scheduled, then its events."""

    def __init__(self, gen: Generation, timeline: StoryTimeline, webhooks: WebhookDeliveries) -> None:
        self.gen = gen
        self.timeline = timeline
        self.cron = CronTriggers(gen, timeline)
        self.events = SyncRunEvents(gen, webhooks)

    def run(self) -> None:
        gen = self.gen
        pins = {job.id: (gen.now - ms(before), run_id, kind) for job, before, run_id, kind in PINNED_RUNS}
        for job in SYNC_JOBS:
            every = int(min(max(job.every_h * HOUR_MS / max(gen.scale, 1e-9), 10 * MINUTE_MS), 12 * HOUR_MS))
            pin = pins.get(job.id)
            anchor = pin[0] if pin else gen.now - gen.between(1, every)
            slots = list(range(anchor, gen.start - 1, -every))[::-1]
            if pin is None or pin[2] != "stuck":
                slots += list(range(anchor + every, gen.now, every))
            for at in slots:
                if pin is not None and at == pin[0]:
                    self._start(SyncRun(job, pin[1], "cron", None), at, pin[2])
                else:
                    # Arguments are evaluated in order: the run id is drawn before the kind (keep it so).
                    self._start(SyncRun(job, gen.uuid(), "cron", None), at, self._kind(job, at))
            # Runs requested outside the schedule: manual (API) runs, and Jira's inbound webhook.
            quiet_from = gen.now - HOUR_MS
            for at in gen.times(gen.count(0.3, gen.start, quiet_from), gen.start, quiet_from):
                self._start(SyncRun(job, gen.uuid(), "api", None), at, self._kind(job, at))
            if job is JOB_JIRA_ACME:
                for at in gen.times(gen.count(1.0, gen.start, quiet_from), gen.start, quiet_from):
                    self._start(SyncRun(job, gen.uuid(), "webhook", INBOUND_JIRA_WEBHOOK_ID), at, self._kind(job, at))

    def _start(self, run: SyncRun, at: int, kind: str) -> None:
        if run.request_type == "cron":
            self.cron.fire(run.job, run.run_id, at)
        self.events.play(run, at, kind)

    def _kind(self, job: SyncJob, at: int) -> str:
        account = job.account
        rng = self.gen.rng
        if account is HUBSPOT_ACME and at >= self.timeline.expiry:
            return "auth"
        if account.integration is SALESFORCE and self.timeline.in_burst(at, slack=3 * MINUTE_MS):
            return "upstream_5xx"
        if account.integration is PIPEDRIVE and rng.random() < (0.35 if account is PIPEDRIVE_GLOBEX else 0.1):
            return "rate_limited"
        if account.integration is JIRA and at >= self.timeline.mapping_errors_at:
            return "mapping" if rng.random() < 0.75 else "mapping_failed"
        return "normal"
