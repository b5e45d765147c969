"""The error timeline view: errors over the window stacked by group, for summarize_errors and log_stats."""

from __future__ import annotations

from typing import Final

URI: Final = "ui://truto-logs/error-timeline.html"
TITLE: Final = "Errors over time"
SCRIPT: Final = "timeline.js"
TOOLS: Final = ("summarize_errors", "log_stats")
APP_TOOL: Final = "error_timeline"
"""The app-only tool the view reads its bars from (``tools/timelines.error_timeline``)."""
