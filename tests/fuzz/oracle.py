"""The upstream's rules for ``GET /log`` query parameters (DOMAIN.md), as an oracle independent of ``rules.py``:
the accepted filter keys per log type and the enum values come from the project's reference data
(``tests/data/truto_log_api_reference.json``), the other rules are written out here."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from tests.helpers import reference_data

DOMAIN_FILTER_KEYS: Mapping[str, frozenset[str]] = {
    log_type: frozenset(keys) for log_type, keys in reference_data()["domain_filter_keys"]["log_types"].items()
}
"""DOMAIN.md, "The filter rules": the ``log_type_filter`` keys each log type accepts."""
DOMAIN_ENUMS: Mapping[str, frozenset[str]] = {
    key: frozenset(entry["values"])
    for key, entry in reference_data()["enums"]["keys"].items()
    if any(key in keys for keys in DOMAIN_FILTER_KEYS.values())
}
"""The filter keys whose values are one of a list (DOMAIN.md and the API reference)."""

_FILTER_PARAM = re.compile(r"log_type_filter\[([^\[\]]+)\]")


def _aware(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _one_calendar_month_after(start: datetime) -> datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def upstream_rule_violations(params: Sequence[tuple[str, str]]) -> list[str]:
    """Every rule of ``GET /log`` (DOMAIN.md) that these query parameters break."""
    problems: list[str] = []
    keys = [key for key, _ in params]
    problems += [f"parameter {key} repeated" for key in sorted({key for key in keys if keys.count(key) > 1})]
    values = dict(params)
    log_type = values.get("log_type")
    if log_type not in DOMAIN_FILTER_KEYS:
        problems.append(f"log_type {log_type!r} is not a log type")
    gt, lt = values.get("created_at[gt]"), values.get("created_at[lt]")
    if (gt is None) != (lt is None):
        problems.append("created_at[gt] and created_at[lt] must come together")
    if gt is not None and lt is not None:
        start, end = _aware(gt), _aware(lt)
        if start is None or end is None:
            problems.append(f"created_at bounds are not ISO 8601 with a timezone: {gt!r}, {lt!r}")
        elif end <= start:
            problems.append(f"created_at[lt] {lt} is not after created_at[gt] {gt}")
        elif end - start > timedelta(days=30) or end > _one_calendar_month_after(start):
            problems.append(f"window {gt}/{lt} is longer than 30 days or a calendar month")
    limit = values.get("limit")
    if limit is not None and (not limit.isdigit() or not 1 <= int(limit) <= 100):
        problems.append(f"limit {limit!r} is not 1..100")
    if "next_cursor" in values and not values["next_cursor"]:
        problems.append("empty next_cursor")
    for key, value in params:
        if key in ("log_type", "created_at[gt]", "created_at[lt]", "limit", "next_cursor"):
            continue
        found = _FILTER_PARAM.fullmatch(key)
        if found is None:
            problems.append(f"unknown parameter {key!r}")
            continue
        name = found.group(1)
        if log_type is not None and log_type in DOMAIN_FILTER_KEYS and name not in DOMAIN_FILTER_KEYS[log_type]:
            problems.append(f"filter {name!r} is not accepted by {log_type}")
        if not value:
            problems.append(f"filter {name!r} is empty")
        if name in DOMAIN_ENUMS and value not in DOMAIN_ENUMS[name]:
            problems.append(f"filter {name}={value!r} is not one of its values")
    return problems
