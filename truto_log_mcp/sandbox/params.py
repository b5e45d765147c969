"""Validation of ``GET /log`` query parameters, as strictly as Truto's documented rules allow.

Why strict: the sandbox is the test double that every client test trusts, so any mistake our
client could make (a misspelled or unencoded bracket key, a window over a month, a filter the
log type does not accept, a cursor sent without its filters) must come back as the upstream's
400, never be silently tolerated. The rule table comes from ``rules`` (never copied here).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from truto_log_mcp.rules import FILTER_ALIASES, FILTER_ENUMS, MAX_WINDOW_DAYS, PAGE_LIMIT_MAX, RULES, LogType
from truto_log_mcp.sandbox.dataset import to_micros


class ApiError(Exception):
    """An answer other than 200, with the upstream's three-field error body."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


@dataclass(frozen=True, slots=True)
class LogQuery:
    log_type: LogType
    window: tuple[int, int] | None
    """(gt, lt) in epoch microseconds, both exclusive; None when ``created_at[gt]`` is absent."""
    limit: int
    filters: dict[str, str]
    """``log_type_filter`` as sent (keys are filter keys, e.g. ``request_id``)."""
    cursor: str | None

    def row_filters(self) -> dict[str, str]:
        """The filters as row field names (``request_id`` matches ``http_request_id``)."""
        return {FILTER_ALIASES.get(key, key): value for key, value in self.filters.items()}


_TOP_LEVEL: Final = frozenset({"log_type", "limit", "next_cursor"})
_BRACKETED: Final = re.compile(r"(created_at|log_type_filter)\[([^\[\]]*)\]")
_DIGITS: Final = re.compile(r"[0-9]+")
_LOG_TYPES: Final = ", ".join(log_type.value for log_type in LogType)


def parse_log_query(items: Sequence[tuple[str, str]]) -> LogQuery:
    """Decoded query items -> LogQuery, or ApiError(400) naming the first broken rule."""
    values: dict[str, str] = {}
    filters: dict[str, str] = {}
    created_at: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in items:
        if key in seen:
            raise bad_request(f'Query parameter "{key}" is repeated')
        seen.add(key)
        bracketed = _BRACKETED.fullmatch(key)
        if bracketed is None:
            if key not in _TOP_LEVEL:
                raise bad_request(f'Unknown query parameter "{key}"')
            values[key] = value
        elif bracketed.group(1) == "created_at":
            if bracketed.group(2) not in ("gt", "lt"):
                raise bad_request(f'Unknown query parameter "{key}" (created_at accepts [gt] and [lt])')
            created_at[key] = value
        else:
            filters[key] = value

    log_type = _log_type(values.get("log_type"))
    window = _window(created_at.get("created_at[gt]"), created_at.get("created_at[lt]"))
    limit = _limit(values.get("limit"))
    cursor = values.get("next_cursor")
    if cursor == "":
        raise bad_request('"next_cursor" must not be empty (omit it for the first page)')
    return LogQuery(log_type, window, limit, _filters(log_type, filters), cursor)


def _log_type(value: str | None) -> LogType:
    if value is None:
        raise bad_request(f'"log_type" is required (one of: {_LOG_TYPES})')
    try:
        return LogType(value)
    except ValueError:
        raise bad_request(f'"log_type" must be one of: {_LOG_TYPES}; got "{value}"') from None


def _instant(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise bad_request(
            f'"{name}" must be an ISO 8601 date-time with a timezone (e.g. 2021-10-01T00:00:00Z); got "{value}"'
        )
    return moment


def one_month_after(start: datetime) -> datetime:
    """The latest allowed ``lt``: the shorter of 30 days and one calendar month (day clamped)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    day = min(start.day, calendar.monthrange(year, month)[1])
    return min(start.replace(year=year, month=month, day=day), start + timedelta(days=MAX_WINDOW_DAYS))


def _window(gt: str | None, lt: str | None) -> tuple[int, int] | None:
    before = _instant("created_at[lt]", lt) if lt is not None else None
    if gt is None:
        return None  # Without created_at[gt] no time filter applies (API reference); lt alone is ignored.
    after = _instant("created_at[gt]", gt)
    if before is None:
        raise bad_request('"created_at[lt]" is required when "created_at[gt]" is given')
    if before <= after:
        raise bad_request('"created_at[lt]" must be later than "created_at[gt]"')
    if before > one_month_after(after):
        raise bad_request('"created_at[gt]" and "created_at[lt]" must not be more than 1 month apart')
    return to_micros(after), to_micros(before)


def _limit(value: str | None) -> int:
    if value is None:
        return PAGE_LIMIT_MAX
    if _DIGITS.fullmatch(value) is None or not 1 <= int(value) <= PAGE_LIMIT_MAX:
        raise bad_request(f'"limit" must be an integer from 1 to {PAGE_LIMIT_MAX}; got "{value}"')
    return int(value)


def _filters(log_type: LogType, raw: dict[str, str]) -> dict[str, str]:
    allowed = RULES[log_type].filter_keys
    filters: dict[str, str] = {}
    for key, value in raw.items():
        name = key[len("log_type_filter[") : -1]
        if name not in allowed:
            raise bad_request(f'"{key}" is not allowed for log_type "{log_type.value}" (allowed: {", ".join(allowed)})')
        if value == "":
            raise bad_request(f'"{key}" must not be empty')
        choices = FILTER_ENUMS.get(name)
        if choices is not None and value not in choices:
            raise bad_request(f'"{key}" must be one of: {", ".join(choices)}; got "{value}"')
        filters[name] = value
    return filters
