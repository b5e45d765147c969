"""The sync-run view: one run on a time axis across log types (trace_sync_run), or a window's runs (list_sync_runs)."""

from __future__ import annotations

from typing import Final

URI: Final = "ui://truto-logs/sync-run.html"
TITLE: Final = "Sync run"
SCRIPT: Final = "sync_run.js"
TOOLS: Final = ("trace_sync_run", "list_sync_runs")
