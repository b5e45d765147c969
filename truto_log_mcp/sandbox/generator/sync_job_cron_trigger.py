"""``sync_job_cron_trigger`` rows: the alarm that fires a sync job on its schedule and creates a run.

Only scheduled runs have one (manual and webhook-triggered runs do not). Story: while the
HubSpot token is expired (``expired_auth``) the triggers carry
``integrated_account_needs_reauth`` true and warn that the run will fail.
"""

from __future__ import annotations

from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import Generation
from truto_log_mcp.sandbox.generator.stories import StoryTimeline
from truto_log_mcp.sandbox.world import ENVIRONMENT_ID, HUBSPOT_ACME, SyncJob


class CronTriggers:
    def __init__(self, gen: Generation, timeline: StoryTimeline) -> None:
        self.gen = gen
        self.timeline = timeline

    def fire(self, job: SyncJob, run_id: str, at: int) -> None:
        """Emit the trigger row of the scheduled run ``run_id``."""
        account = job.account
        needs_reauth = account is HUBSPOT_ACME and at >= self.timeline.expiry
        duration = self.gen.between(12, 140)
        stamp = self.gen.iso(at)
        every_min = round(job.every_h * 60)
        logs = [f"Alarm fired for sync job {job.id} (every {every_min} min)", f"Created sync job run {run_id}"]
        if needs_reauth:
            logs.append(f"Integrated account {account.id} needs reauth; the run is expected to fail")
        self.gen.emit(
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
                f"entity_id={job.id} sync_job_run_id={run_id} {duration}ms",
                "service": "truto-api",
                "timestamp": stamp,
            },
        )
