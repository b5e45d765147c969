"""Hostile row content planted in every field of the rule table, and the checks that none of it
reaches an answer raw: what the untrusted-text tests share (tools and the ``call`` command).

The checks are an oracle independent of ``render``: Unicode categories from ``unicodedata``, and
the shape of the text tables (every row has its header's columns).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from truto_log_mcp.rules import RULES, FieldSpec, LogType

FILLER = "A" * 5000
"""Longer than every cap: the longest run of it in an answer is the cap that cut it."""
HOSTILE = (
    "x|y\n|ref|fake row"  # a forged column, then a forged table line
    "\x1b[31mred\x1b[0m"  # SGR colours
    "\x1b]0;title\x07"  # OSC (window title), BEL-terminated
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink, ST-terminated
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1bP+q544e\x1b\\"  # DCS
    "\x1bc\x1b7"  # reset, save cursor
    "\x9b31m\x9d0;t\x9c"  # C1 CSI, OSC and ST
    "\r\t\x00\x07\x08\x0b\x0c\x7f\x85"  # C0, DEL, NEL
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width
    "\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"  # bidi controls
    "\u2028\u2029"  # line and paragraph separators
    "\U000e0041\U000e007f" + FILLER  # tag characters (invisible ASCII)
)
"""Every kind of text that must not reach the model or a terminal as it is."""
VALUE_PIPES = "x|y"
FORGED_LINE = "|ref|fake row"

RUN_ID = "hostile-run-0001"
"""The run that trace_sync_run is asked about: its rows hold HOSTILE in every other field."""
JOB_ID = HOSTILE
"""The run's job id, hostile too: cron rows are matched to it by equality."""

_ERRORS: dict[LogType, dict[str, Any]] = {
    LogType.UNIFIED_PROXY_API: {"http_status_code": 502, "duration": 120.0, "fetch_duration": 90.0},
    LogType.RAPID_BRIDGE: {"sync_job_run_event": "failed", "status": "failed", "num_records": 3},
    LogType.WEBHOOK: {"webhook_endpoint_status": 503, "status": "failed"},
    LogType.MCP: {"http_status_code": 500, "duration": 80.0},
    LogType.SYNC_JOB_CRON_TRIGGER: {"integrated_account_needs_reauth": True, "duration": 5.0},
}
"""Fields that make a row an error with durations, so the analyses keep it (the rest stays hostile)."""


def _hostile_value(spec: FieldSpec) -> Any:
    if spec.kind == "string[]":
        return [HOSTILE, HOSTILE]
    if spec.kind == "object":
        return {HOSTILE: HOSTILE, "nested": {HOSTILE: [HOSTILE]}}
    if spec.kind == "object[]":
        return [{HOSTILE: HOSTILE}]
    return HOSTILE  # numbers and booleans too: an upstream row may break its own types


def hostile_row(log_type: LogType, at: datetime, **fields: Any) -> dict[str, Any]:
    """A row of ``log_type`` with HOSTILE in every field of the rule table but its timestamp."""
    row = {spec.name: _hostile_value(spec) for spec in RULES[log_type].fields}
    row["timestamp"] = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    row.update(fields)
    return row


def hostile_rows(now: datetime) -> dict[LogType, list[dict[str, Any]]]:
    """Per log type: a row hostile in every field, and an error row hostile in every field but those
    that make it an error; and a failed sync run (with its delivery and cron trigger) for trace_sync_run."""

    def ago(minutes: float) -> datetime:
        return now - timedelta(minutes=minutes)

    rows = {
        log_type: [hostile_row(log_type, ago(5)), hostile_row(log_type, ago(6), **errors)]
        for log_type, errors in _ERRORS.items()
    }
    run = {"sync_job_run_id": RUN_ID, "sync_job_id": JOB_ID}
    rows[LogType.RAPID_BRIDGE] += [
        hostile_row(LogType.RAPID_BRIDGE, ago(9), **run, sync_job_run_event="started", status="running"),
        hostile_row(LogType.RAPID_BRIDGE, ago(8), **run),  # every other field hostile, the event too
        hostile_row(LogType.RAPID_BRIDGE, ago(7), **run, sync_job_run_event="record_error", status="running"),
        hostile_row(LogType.RAPID_BRIDGE, ago(4), **run, sync_job_run_event="failed", status="failed"),
        # A run whose id itself is hostile, started in the window: list_sync_runs lists it by that id.
        hostile_row(LogType.RAPID_BRIDGE, ago(3), sync_job_run_event="started", status="running"),
    ]
    rows[LogType.WEBHOOK].append(
        hostile_row(LogType.WEBHOOK, ago(3), message=HOSTILE + RUN_ID, webhook_endpoint_status=503, status="failed")
    )
    rows[LogType.SYNC_JOB_CRON_TRIGGER].append(hostile_row(LogType.SYNC_JOB_CRON_TRIGGER, ago(10), entity_id=JOB_ID))
    return rows


# ---- the checks -------------------------------------------------------------------------------

_NEVER_SHOWN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control, format (zero-width, bidi, tags), surrogate, line and paragraph separator characters."""
_HEADER = re.compile(r"(?:^|[ (])([a-z][a-z0-9_%]*(?:\|[a-z][a-z0-9_%]*)+)\)?:?$")
"""A table's header: column names joined by ``|``, alone on its line or after a caption."""
_DATE_LINE = re.compile(r"^== \d{4}-\d{2}-\d{2} ==$")


def strings_in(value: Any) -> Iterator[str]:
    """Every string of a JSON value, object keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def unshown_characters(text: str, *, lines: bool) -> list[str]:
    """The characters of ``text`` that must never be shown (``lines``: newline is the text's own separator)."""
    return sorted(
        {
            f"U+{ord(char):04X}"
            for char in text
            if unicodedata.category(char) in _NEVER_SHOWN and not (lines and char == "\n")
        }
    )


def longest_filler(text: str) -> int:
    """The longest run of FILLER in ``text``: how much of a hostile value got through."""
    return max((len(run) for run in re.findall(r"A+", text)), default=0)


def table_problems(text: str) -> list[str]:
    """Lines of a text table that do not have their header's columns (a value forged a column or a line)."""
    problems = []
    columns: int | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith(FORGED_LINE):
            problems.append(f"line {number} is a forged row: {line[:80]!r}")
        header = _HEADER.search(line)
        if header is not None and line.count("|") == header.group(1).count("|"):
            columns = header.group(1).count("|")
        elif "|" in line and columns is not None:
            if line.count("|") != columns:
                problems.append(f"line {number} has {line.count('|')} separators, its header {columns}: {line[:80]!r}")
        elif not _DATE_LINE.match(line):
            columns = None
    return problems
