"""The failure stories planted in the generated logs: what each one is, the ids to find it by, and
when it happens in a given dataset.

Why named: tests, the ``demo`` command and the benchmarks look the stories up through
``STORIES`` (its ids are the fixed ones of ``world``) instead of guessing what is in the data.
The log type modules plant them; ``StoryTimeline`` turns the story instants of ``world`` into
this dataset's times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import HOUR_MS, MINUTE_MS, Generation, ms
from truto_log_mcp.sandbox.world import (
    AUTH_EXPIRED_AGO,
    FAILING_MCP_TOOL,
    HUBSPOT_ACME,
    HUBSPOT_ACME_STAGING,
    HUBSPOT_GLOBEX,
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
    MCP_TOOL_FAILING_AGO,
    MCP_ZENDESK_ACME,
    PIPEDRIVE_GLOBEX,
    PIPEDRIVE_INITECH,
    RUN_AUTH_FAILED,
    RUN_DELIVERY_FAILED,
    RUN_MAPPING_ERROR,
    RUN_RATE_LIMITED,
    RUN_STUCK,
    RUN_UPSTREAM_5XX,
    SALESFORCE_BURSTS_WITHIN,
    SALESFORCE_FAILED_RUN_AGO,
    SALESFORCE_GLOBEX,
    SALESFORCE_INITECH,
    STAGING_ENVIRONMENT_ID,
    STAGING_MAPPING_FAILING_AGO,
    STAGING_SCOPE_FAILING_AGO,
    STUCK_RUN_STARTED_AGO,
    WEBHOOK_DOWN_AGO,
    WEBHOOK_PARTNER,
    WEBHOOK_PRIMARY,
    ZENDESK_ACME,
)


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
            "batch (100 records) was rejected by the customer's endpoint with 413, and that batch's record event "
            "says webhook_successful false too.",
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
        Story(
            "staging_mapping",
            "A second environment: acme's staging HubSpot portal (its own environment_id) lists contacts every 30 "
            "minutes; since 31 h 7 min ago every one of those calls answers 500 with a mapping error (a failure that "
            "began before the default 24 h window, at a known minute).",
            (LogType.UNIFIED_PROXY_API,),
            {"environment_id": STAGING_ENVIRONMENT_ID, "integrated_account_id": HUBSPOT_ACME_STAGING.id},
            STAGING_MAPPING_FAILING_AGO,
            "property 'lifecyclestage', which does not exist",
        ),
        Story(
            "staging_scope",
            "The same staging portal lists deals every 15 minutes; since 2 h 17 min ago every one of those calls "
            "answers 403 for a missing scope (a failure new in the default window).",
            (LogType.UNIFIED_PROXY_API,),
            {"environment_id": STAGING_ENVIRONMENT_ID, "integrated_account_id": HUBSPOT_ACME_STAGING.id},
            STAGING_SCOPE_FAILING_AGO,
            "missing scope crm.objects.deals.read",
        ),
    )
}


class StoryTimeline:
    """When the time-bound stories happen in one generation (epoch ms), and the Salesforce bursts.

    Building it draws the bursts from the random stream: the first draws of every generation.
    """

    def __init__(self, gen: Generation) -> None:
        self.expiry = gen.now - ms(AUTH_EXPIRED_AGO)
        self.webhook_down_at = gen.now - ms(WEBHOOK_DOWN_AGO)
        self.mcp_failing_at = gen.now - ms(MCP_TOOL_FAILING_AGO)
        self.mapping_errors_at = gen.now - ms(JIRA_MAPPING_ERRORS_AGO)
        self.staging_mapping_at = gen.now - ms(STAGING_MAPPING_FAILING_AGO)
        self.staging_scope_at = gen.now - ms(STAGING_SCOPE_FAILING_AGO)
        self.bursts: list[tuple[int, int]] = []
        self._plan_salesforce_bursts(gen)

    def _plan_salesforce_bursts(self, gen: Generation) -> None:
        pinned_at = gen.now - ms(SALESFORCE_FAILED_RUN_AGO)
        self.bursts.append((pinned_at - 4 * MINUTE_MS, pinned_at + 14 * MINUTE_MS))
        window_lo = gen.now - ms(SALESFORCE_BURSTS_WITHIN)
        for _ in range(5):
            lo = gen.between(window_lo, gen.now - 2 * HOUR_MS)
            self.bursts.append((lo, lo + gen.between(10, 25) * MINUTE_MS))
        self.bursts.sort()

    def in_burst(self, at: int, slack: int = 0) -> bool:
        return any(lo - slack <= at <= hi for lo, hi in self.bursts)
