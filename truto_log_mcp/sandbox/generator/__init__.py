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

Layout: ``common`` holds the random stream, the time window and the output every module shares;
``stories`` what is planted and when; one module per log type writes its rows
(``unified_proxy_api``, ``mcp``, ``webhook``, ``rapid_bridge``, ``sync_job_cron_trigger``), and
``sync_jobs`` decides which sync runs happen. The order in which ``generate_rows`` runs them is
the order of the random draws, so it is part of the dataset: changing it changes the rows.
"""

from __future__ import annotations

from datetime import datetime

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import Generation
from truto_log_mcp.sandbox.generator.mcp import McpTraffic
from truto_log_mcp.sandbox.generator.stories import STORIES, Story, StoryTimeline
from truto_log_mcp.sandbox.generator.sync_jobs import SyncSchedule
from truto_log_mcp.sandbox.generator.unified_proxy_api import ApiTraffic
from truto_log_mcp.sandbox.generator.webhook import WebhookDeliveries

__all__ = ["STORIES", "Story", "generate_rows"]


def generate_rows(*, seed: int, now: datetime, days: int, scale: float) -> dict[LogType, list[Row]]:
    """All generated rows per log type, flat shape, in no particular order."""
    gen = Generation(seed, now, days, scale)
    timeline = StoryTimeline(gen)
    webhooks = WebhookDeliveries(gen, timeline)
    SyncSchedule(gen, timeline, webhooks).run()
    api = ApiTraffic(gen, timeline)
    api.run()
    McpTraffic(gen, timeline).run()
    webhooks.run()
    api.run_staging()  # last: its draws change no other row
    return gen.out
