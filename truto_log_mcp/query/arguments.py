"""Validated queries: every rule of ``GET /log`` is checked here, before any upstream call.

``build_search`` turns raw tool arguments into a ``LogQuery`` or raises ``InvalidArgument`` with
the fix; ``wire_params`` turns a ``LogQuery`` into the bracket-encoded parameters the official
SDKs send (``log_type_filter[KEY]=...``, ``created_at[gt]=...``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truto_log_mcp.errors import InvalidArgument, echo
from truto_log_mcp.query.timeparse import Window, iso, resolve_window
from truto_log_mcp.rules import FILTER_ALIASES, FILTER_ENUMS, RULES, LogType, LogTypeRules
from truto_log_mcp.suggest import did_you_mean, listing

Scalar = str | int | float | bool

_STATUS_CLASS = re.compile(r"^\s*([1-5])xx\s*$", re.IGNORECASE)
_STATUS_COMPARE = re.compile(r"^\s*(>=|<=|>|<|!=|=)?\s*(\d{3})\s*$")
_STATUS_RANGE = re.compile(r"^\s*(\d{3})\s*-\s*(\d{3})\s*$")
_STATE_WORD = re.compile(r"^\s*[a-z_]+\s*$", re.IGNORECASE)
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class StatusCondition:
    """An inclusive range of status codes, optionally negated (``!=200``)."""

    low: int
    high: int
    negate: bool = False
    spelled: str = ""

    def accepts(self, status: Any) -> bool:
        if isinstance(status, bool) or not isinstance(status, int | float):
            return False
        inside = self.low <= status <= self.high
        return inside != self.negate


def parse_status(value: Scalar) -> StatusCondition:
    """Read "5xx", ">=400", "<500", "!=200", "400-499" or a code like 429."""
    if isinstance(value, bool):
        raise InvalidArgument("`match.status` must be a code or a condition, not a boolean.")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise InvalidArgument(f"`match.status` {value!r} is not a status code; use a whole number like 429.")
    if isinstance(value, int | float) and not 0 <= value < 1000:
        # Checked before it becomes text: an integer of thousands of digits cannot be printed.
        raise InvalidArgument("`match.status` is not a status code (100 to 599); use a whole number like 429.")
    text = str(int(value)) if isinstance(value, int | float) else value
    if found := _STATUS_CLASS.match(text):
        digit = int(found.group(1))
        return StatusCondition(digit * 100, digit * 100 + 99, spelled=text.strip())
    if found := _STATUS_RANGE.match(text):
        low, high = int(found.group(1)), int(found.group(2))
        if low > high:
            raise InvalidArgument(f'`match.status` range {text!r} is backwards; write it low-high, like "500-599".')
        return StatusCondition(low, high, spelled=text.strip())
    if found := _STATUS_COMPARE.match(text):
        operator, code = found.group(1) or "=", int(found.group(2))
        bounds = {
            "=": (code, code, False),
            "!=": (code, code, True),
            ">": (code + 1, 999, False),
            ">=": (code, 999, False),
            "<": (0, code - 1, False),
            "<=": (0, code, False),
        }[operator]
        return StatusCondition(*bounds, spelled=text.strip())
    raise InvalidArgument(
        f'`match.status` {text[:40]!r} is not a status condition. Use a class ("5xx", "4xx"), '
        'a comparison (">=400", "!=200"), a range ("500-599") or a code (429).'
    )


@dataclass(frozen=True, slots=True)
class Match:
    """Conditions applied by this server after fetching (the upstream cannot filter on them)."""

    status_field: str | None = None
    status: StatusCondition | None = None
    text: str | None = None
    equals: tuple[tuple[str, Scalar], ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.status is None and self.text is None and not self.equals

    def accepts(self, row: Mapping[str, Any]) -> bool:
        if self.status is not None and (
            self.status_field is None or not self.status.accepts(row.get(self.status_field))
        ):
            return False
        for name, expected in self.equals:
            if row.get(name) != expected:
                return False
        return self.text is None or _contains_text(row, self.text)

    def describe(self) -> dict[str, Scalar]:
        described: dict[str, Scalar] = dict(self.equals)
        if self.status is not None:
            described["status"] = self.status.spelled
        if self.text is not None:
            described["text"] = self.text
        return described


def _contains_text(row: Mapping[str, Any], needle_lower: str) -> bool:
    message = row.get("message")
    if isinstance(message, str) and needle_lower in message.lower():
        return True
    logs = row.get("logs")
    if isinstance(logs, list):
        return any(isinstance(line, str) and needle_lower in line.lower() for line in logs)
    return False


@dataclass(frozen=True, slots=True)
class LogQuery:
    """One validated query: what the upstream filters (window, filters) and what we match after."""

    log_type: LogType
    window: Window | None
    filters: tuple[tuple[str, str], ...] = ()
    match: Match = field(default_factory=Match)
    fields: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Things the server did to the arguments that the model should know (e.g. promoted filters)."""

    @property
    def rules(self) -> LogTypeRules:
        return RULES[self.log_type]


def parse_log_type(value: str) -> LogType:
    try:
        return LogType(value)
    except ValueError:
        options = [member.value for member in LogType]
        raise InvalidArgument(
            f"`log_type` {value[:60]!r} is not a Truto log type.{did_you_mean(value, options)} "
            f"Use one of {listing(options)}."
        ) from None


def filter_key_hint(key: str) -> str:
    """What to do with a `filters` key that no log type accepts: a row field is matched after fetching."""
    if any(key in rules.filter_keys for rules in RULES.values()):
        return ""
    if any(rules.status_field == key for rules in RULES.values()):
        return f' `{echo(key)}` is no upstream filter: match it after fetching, e.g. `match: {{"status": "5xx"}}`.'
    if any(key in rules.field_names for rules in RULES.values()):
        return f" `{echo(key)}` is no upstream filter but a row field: put it in `match`."
    return ""


def check_filters(log_type: LogType, filters: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The upstream ``log_type_filter``: only the keys this log type accepts, enum values checked."""
    rules = RULES[log_type]
    checked: list[tuple[str, str]] = []
    for key, value in filters.items():
        if key not in rules.filter_keys:
            hint = did_you_mean(key, rules.filter_keys)
            if not hint and key in rules.field_names:
                hint = f" `{key}` is a row field, not an upstream filter: put it in `match` instead."
            raise InvalidArgument(
                f"`filters.{echo(key)}` is not a filter of {log_type.value}.{hint} "
                f"Its filters are {listing(rules.filter_keys)}."
            )
        if not isinstance(value, str) or not value.strip():
            raise InvalidArgument(f"`filters.{key}` must be a non-empty string.")
        if len(value) > _MAX_TEXT:
            raise InvalidArgument(f"`filters.{key}` is longer than {_MAX_TEXT} characters.")
        allowed = FILTER_ENUMS.get(key)
        if allowed is not None and value not in allowed:
            raise InvalidArgument(
                f"`filters.{key}` {value[:60]!r} is not allowed.{did_you_mean(value, allowed)} "
                f"Use one of {listing(allowed)}."
            )
        checked.append((key, value))
    return tuple(sorted(checked))


def check_fields(log_type: LogType, fields: Sequence[str]) -> tuple[str, ...]:
    rules = RULES[log_type]
    for name in fields:
        if name not in rules.field_names:
            raise InvalidArgument(
                f"`fields` has {name[:60]!r}, which {log_type.value} rows do not have."
                f"{did_you_mean(name, rules.field_names)} describe_log_types lists every field."
            )
    return tuple(dict.fromkeys(fields))


def build_match(
    log_type: LogType, conditions: Mapping[str, Scalar], filters: dict[str, str]
) -> tuple[Match, tuple[str, ...]]:
    """Parse ``match``; equality on a key the upstream can filter moves to ``filters`` (same meaning, fewer rows).

    Returns the match and notes on what was moved.
    """
    rules = RULES[log_type]
    status: StatusCondition | None = None
    text: str | None = None
    equals: list[tuple[str, Scalar]] = []
    notes: list[str] = []
    for key, value in conditions.items():
        if key == "status" and not _is_row_status(rules, value):
            if rules.status_field is None:
                raise InvalidArgument(
                    f"{log_type.value} rows have no HTTP status, so `match.status` cannot apply. "
                    "Match on a field instead (describe_log_types lists them)."
                )
            status = parse_status(value)
        elif key == "text":
            if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
                raise InvalidArgument(f"`match.text` must be a non-empty string of at most {_MAX_TEXT} characters.")
            text = value.strip().lower()
        else:
            equals.append((key, _check_equality(log_type, key, value)))
    kept: list[tuple[str, Scalar]] = []
    for key, value in equals:
        upstream_key = next((k for k, f in FILTER_ALIASES.items() if f == key), key)
        if upstream_key in rules.filter_keys and isinstance(value, str) and upstream_key not in filters:
            check_filters(log_type, {upstream_key: value})
            filters[upstream_key] = value
            notes.append(f"match.{key} was sent upstream as filter `{upstream_key}`.")
        else:
            kept.append((key, value))
    return Match(rules.status_field, status, text, tuple(kept)), tuple(notes)


def _is_row_status(rules: LogTypeRules, value: Scalar) -> bool:
    """`status` is also a row field (run or delivery state): a word like "failed" means that field."""
    return rules.field("status") is not None and isinstance(value, str) and bool(_STATE_WORD.match(value))


def _check_equality(log_type: LogType, key: str, value: Scalar) -> Scalar:
    spec = RULES[log_type].field(key)
    if spec is None:
        options = [*RULES[log_type].field_names, "status", "text"]
        raise InvalidArgument(
            f"`match.{echo(key)}` is not a field of {log_type.value} rows.{did_you_mean(key, options)} "
            "Use `status`, `text`, or a row field (describe_log_types lists them)."
        )
    if spec.kind in ("integer", "number"):
        if isinstance(value, bool):
            raise InvalidArgument(f"`match.{key}` must be a number.")
        try:
            number = float(value)
        except ValueError:
            raise InvalidArgument(f"`match.{key}` must be a number; got {str(value)[:40]!r}.") from None
        except OverflowError:  # an integer of hundreds of digits (JSON allows it)
            raise InvalidArgument(f"`match.{key}` is a number out of range for this field.") from None
        return int(number) if number.is_integer() else number
    if spec.kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise InvalidArgument(f"`match.{key}` must be true or false.")
    if spec.kind == "string":
        if isinstance(value, bool) or len(str(value)) > _MAX_TEXT:
            raise InvalidArgument(f"`match.{key}` must be a string of at most {_MAX_TEXT} characters.")
        return str(value)
    raise InvalidArgument(
        f"`match.{key}` is a {spec.kind} field and cannot be matched by equality; "
        "use `match.text` to search message and logs."
    )


def build_search(
    *,
    log_type: str,
    since: str | None,
    start: str | int | float | None,
    end: str | int | float | None,
    filters: Mapping[str, str] | None,
    match: Mapping[str, Scalar] | None,
    fields: Sequence[str] | None,
    now: datetime,
    enforce_month: bool = True,
) -> LogQuery:
    kind = parse_log_type(log_type)
    window = resolve_window(since, start, end, now, enforce_month=enforce_month)
    upstream_filters = dict(check_filters(kind, filters or {}))
    parsed_match, notes = build_match(kind, match or {}, upstream_filters)
    return LogQuery(
        log_type=kind,
        window=window,
        filters=tuple(sorted(upstream_filters.items())),
        match=parsed_match,
        fields=check_fields(kind, fields or ()),
        notes=notes,
    )


def wire_params(
    log_type: LogType,
    window: Window | None,
    filters: Sequence[tuple[str, str]],
    page_size: int,
    next_cursor: str | None = None,
) -> list[tuple[str, str]]:
    """Bracket-encoded query parameters, every filter resent with the cursor as the SDKs do."""
    params: list[tuple[str, str]] = [("log_type", log_type.value)]
    if window is not None:
        params += [("created_at[gt]", iso(window.start)), ("created_at[lt]", iso(window.end))]
    params += [(f"log_type_filter[{key}]", value) for key, value in filters]
    params.append(("limit", str(page_size)))
    if next_cursor:
        params.append(("next_cursor", next_cursor))
    return params
