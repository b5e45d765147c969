"""Compact rendering for the assistant's context window: text tables, caps stated, budgets kept.

A search result is a pipe-separated table (one header, one line a row, ``ref`` first) plus a
header line saying what was covered; uuids print as their first 8 characters with a legend of
the full ids once per response, and timestamps as the time of day under a line per date.

Text from rows is third-party data: control and ANSI characters are stripped, ``|`` is escaped
and every value is capped (``CELL_CAP`` characters) with the cut stated. Rows that do not fit
the response's token budget are returned to the caller, which keeps them for the next page:
nothing is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

CELL_CAP = 120
"""Characters of one value in a search table (text and structured)."""
FULL_VALUE_CAP = 4000
"""Characters of one string value in get_log (a whole row)."""

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\r\n|[\r\n\t]")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|\+00:00)$")


def estimate_tokens(text: str) -> int:
    """A cheap, conservative token estimate (log text runs about 3 characters a token)."""
    return len(text) // 3 + 1


def clean_text(text: str, cap: int) -> str:
    """Third-party text made safe to show: no control/ANSI sequences, newlines flattened, length capped."""
    cleaned = _CONTROL.sub("", _WHITESPACE.sub(" ", text))
    if len(cleaned) > cap:
        return cleaned[: cap - 1] + "…"
    return cleaned


def structured_value(value: Any, cap: int = CELL_CAP) -> Any:
    """A value for structured content: scalars kept, text cleaned and capped, containers as capped JSON."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return clean_text(value, cap)
    return clean_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str), cap)


def text_cell(value: Any, legend: dict[str, str]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, str):
        if _UUID.match(value):
            short = value[:8]
            if legend.setdefault(short, value) == value:
                return short
            return value
        if moment := _ISO_TIME.match(value):
            return f"{moment.group(1)} {moment.group(2)}"
    text = structured_value(value)
    return str(text).replace("|", "¦")


class Table:
    """Rows rendered as a pipe table within a token budget.

    The ``timestamp`` column shows the time of day; a ``== YYYY-MM-DD ==`` line precedes the
    rows of each date (rows are newest first, so dates change rarely): the date is printed once
    instead of on every row.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.legend: dict[str, str] = {}
        self._date: str | None = None

    def render(
        self, refs: Sequence[str], rows: Sequence[Mapping[str, Any]], token_budget: int
    ) -> tuple[list[str], int]:
        """Lines for as many rows as fit the budget (at least one), and how many rows that is."""
        lines = ["|".join(["ref", *self.columns])]
        spent = estimate_tokens(lines[0])
        fitted = 0
        for ref, row in zip(refs, rows, strict=True):
            date_line, cells = self._cells(row)
            row_lines = ([date_line] if date_line else []) + ["|".join([ref, *cells])]
            cost = sum(estimate_tokens(line) + 1 for line in row_lines)
            if fitted and spent + cost > token_budget:
                break
            if date_line:
                self._date = date_line
            lines += row_lines
            spent += cost
            fitted += 1
        return lines, fitted

    def _cells(self, row: Mapping[str, Any]) -> tuple[str | None, list[str]]:
        date_line = None
        cells = []
        for column in self.columns:
            value = row.get(column)
            if column == "timestamp" and isinstance(value, str) and (moment := _ISO_TIME.match(value)):
                marker = f"== {moment.group(1)} =="
                if marker != self._date:
                    date_line = marker
                cells.append(moment.group(2))
            else:
                cells.append(text_cell(value, self.legend))
        return date_line, cells

    def legend_line(self) -> str | None:
        """The full ids behind the 8-character prefixes shown in the rows."""
        used = [full for short, full in self.legend.items() if short != full]
        if not used:
            return None
        return "ids: " + ", ".join(used)


FULL_ITEMS_CAP = 200
"""Items of one list (or keys of one object) in get_log; the rest is counted, not shown."""


def full_row(
    row: Mapping[str, Any], value_cap: int = FULL_VALUE_CAP, items_cap: int = FULL_ITEMS_CAP
) -> dict[str, Any]:
    """A whole row for get_log: every field, strings cleaned and capped, long lists and objects cut (stated)."""
    return {key: _clean_deep(value, value_cap, items_cap) for key, value in row.items()}


def _clean_deep(value: Any, cap: int, items_cap: int) -> Any:
    if isinstance(value, str):
        return clean_text(value, cap)
    if isinstance(value, list):
        items = [_clean_deep(item, cap, items_cap) for item in value[:items_cap]]
        if len(value) > items_cap:
            items.append(f"… (+{len(value) - items_cap} more items)")
        return items
    if isinstance(value, dict):
        kept = list(value.items())[:items_cap]
        cleaned = {clean_text(str(key), CELL_CAP): _clean_deep(item, cap, items_cap) for key, item in kept}
        if len(value) > items_cap:
            cleaned["…"] = f"+{len(value) - items_cap} more keys"
        return cleaned
    return value


def cap_text(text: str, limit: int) -> str:
    """The last guard on an answer's size: cut at ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[cut: this answer was {len(text)} characters; the limit is {limit}]"


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
