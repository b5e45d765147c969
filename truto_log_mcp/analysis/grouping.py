"""The engine of ``summarize_errors``: one error cause becomes one group, whatever ids it carries.

Why templates: error rows of one cause differ only in the variable parts of their text (ids,
timestamps, counts, request ids, URLs). ``template`` masks those parts so that a day of errors
collapses into a handful of groups a person can read, while texts that name different causes
(a different status, phrase or field) stay apart.

Why streaming: ``summarize_errors`` may scan hundreds of thousands of rows. ``ErrorSummarizer.add``
folds one row at a time into bounded state: at most ``max_groups`` groups (then one "(other)"
group per log type), at most ``examples_per_group`` example rows and at most ``DISTINCT_CAP``
distinct values per counted field in each group. Memory does not grow with the rows scanned.

Template rules (applied in this order, with precompiled regexes):

1. URL query strings (``?key=value...``) are dropped.
2. ISO 8601 timestamps, dates and clock times -> ``<ts>``.
3. UUIDs -> ``<uuid>``; e-mail addresses -> ``<email>``.
4. Cloudflare ray ids in parentheses (``(9fc8527ebf27a066)``) -> ``(<ray>)``.
5. IPv4 and IPv6 addresses -> ``<ip>``.
6. In URLs and absolute paths, every segment after the host that contains a digit -> ``<id>``
   (version segments such as ``v3`` are kept).
7. Hex ids (8+ hex characters with at least one digit) -> ``<hex>``; other long mixed ids
   (12+ letters/digits/underscores with a digit, e.g. Salesforce ids) -> ``<id>``.
8. Quoted values -> ``'<v>'``, except identifier-like ones (``'fields'``, ``"invalid_grant"``: they
   name a field or an error code) and prose with spaces (an error description), which are kept.
9. Numbers -> ``<n>``, except HTTP-status-like 3-digit numbers (1xx-5xx), which identify the cause
   and are kept when they follow "status", "HTTP", "code", "responded", "returned", "answered",
   "error", "failed", "->" or a URL/path ("GET https://... 502"), or when a reason phrase follows
   ("502 Bad Gateway"). A number merely ending the text is not kept ("at record 285" is an id).
10. Whitespace collapsed; at most ``TEMPLATE_CAP`` characters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, Generic, TypeVar

from truto_log_mcp.analysis.causes import (
    Cause,
    cause_from_text,
    classify,
    is_error,
    is_true,
    log_lines,
    mentions,
    message_is_error_level,
    status_code,
    undelivered_records,
)
from truto_log_mcp.rows import Row, parse_row_time
from truto_log_mcp.rules import LogType

TEMPLATE_CAP: Final = 200
SAMPLE_CAP: Final = 300
DISTINCT_CAP: Final = 50
"""Distinct values counted per field in one group; beyond, rows are counted as untracked."""
TOP_VALUES: Final = 5
OTHER: Final = "(other)"
PSEUDO_FIELDS: Final = ("template", "cause", "status")
"""``group_by`` names that are not row fields: the message template, the cause class, the status code."""

_EPOCH = datetime.min.replace(tzinfo=UTC)

# ---- template --------------------------------------------------------------------------------

_QUERY = re.compile(r"\?[^\s\"'<>()=&]+=[^\s\"'<>()]*+")
_URL = re.compile(r"://(?P<host>[^\s/\"'()<>]*+)(?P<path>/[^\s\"'()<>]*+)?")
_BARE_PATH = re.compile(r"/(?<![\w.:/<>-]/)[^\s\"'()<>]++")
_ID_SEGMENT = re.compile(r"(?!v\d{1,2}$)[^<>]*\d")
_SINGLE_QUOTED = re.compile(r"'(?<![A-Za-z]')([^'\n]{0,120})'")
_DOUBLE_QUOTED = re.compile(r"\"([^\"\n]{0,120})\"")
_KEEP_QUOTED = re.compile(r"[a-z_$][\w.$\[\]-]*|<\w+>|.*\s.*|")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+")
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"
    r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,5})?(?![\w:])"
    r"|(?<![\w:])::1(?![\w:])"
)
_DIGIT_RUN = re.compile(r"\d[\w.:+-]*+")
"""From a digit to the end of its token; ``_mask_tokens`` extends each match back to the token's start."""
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:+-")
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{2}:\d{2}:\d{2}(?:\.\d+)?"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_HEX = re.compile(r"(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}")
_MIXED_ID = re.compile(r"(?=\w*[A-Za-z])\w{12,}")
_NUMBER_WITH_UNIT = re.compile(r"(\d+(?:\.\d+)?)([a-zA-Z]{0,3})")
"""``42``, ``1.5``, ``120ms``, ``30s``: the unit is kept."""
_INNER_NUMBER = re.compile(r"(?<![\w<.])\d+(?:\.\d+)?")
_INNER_ID = re.compile(
    r"(?<![\w<])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}+(?![\w>])|(?<![\w<])(?=\w*\d)(?=\w*[A-Za-z])\w{12,}+"
)
_STATUS_BEFORE = re.compile(
    r"(?:status(?:[ _]?code)?|http(?:/[\d.]+)?|code|responded(?: with)?|returned|answered|received|->|with|"
    r"error|failed|/\S*)\W{0,3}$",
    re.IGNORECASE,
)
_STATUS_AFTER = re.compile(
    r"\s+(?:OK|Created|Accepted|No Content|Moved|Found|Not Modified|Bad Request|Unauthori[sz]ed|Payment|"
    r"Forbidden|Not Found|Method Not Allowed|Request Time-?out|Conflict|Gone|Payload Too Large|Unprocessable|"
    r"Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Time-?out)",
    re.IGNORECASE,
)
_TRAILING = ".:-+"


def _mask_path(path: str) -> str:
    return "/".join("<id>" if _ID_SEGMENT.match(segment) else segment for segment in path.split("/"))


def _url(match: re.Match[str]) -> str:
    return "://" + match.group("host") + _mask_path(match.group("path") or "")


def _bare_path(match: re.Match[str]) -> str:
    return _mask_path(match.group(0))


def _quoted(match: re.Match[str]) -> str:
    if _KEEP_QUOTED.fullmatch(match.group(1)):
        return match.group(0)
    quote = match.group(0)[0]
    return f"{quote}<v>{quote}"


def _is_status(text: str, start: int, end: int) -> bool:
    """A 3-digit 1xx-5xx number whose context says it is an HTTP status (see the module docstring)."""
    if end - start != 3 or text[start] not in "12345":
        return False
    if _STATUS_AFTER.match(text, end):
        return True
    return _STATUS_BEFORE.search(text, max(0, start - 40), start) is not None


def _mask_tokens(text: str) -> str:
    """Every token that contains a digit (a run of letters, digits, ``_.:+-``) replaced by ``_mask_token``.

    Hand-rolled instead of one ``re.sub``: a pattern that starts at a digit is several times faster to
    search than one that must find token starts, and each match is extended back here.
    """
    pieces: list[str] = []
    done = 0
    for match in _DIGIT_RUN.finditer(text):
        start, end = match.start(), match.end()
        while start > done and text[start - 1] in _TOKEN_CHARS:
            start -= 1
        pieces.append(text[done:start])
        pieces.append(_mask_token(text, start, end))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _mask_token(text: str, start: int, end: int) -> str:
    """One token (``text[start:end]``) with its variable part masked; trailing ``.:-+`` kept as they are."""
    token = text[start:end]
    core = token.rstrip(_TRAILING)
    tail = token[len(core) :]
    if core.isdigit():  # the common case first
        if len(core) >= 8:
            return "<hex>" + tail
        return token if _is_status(text, start, start + len(core)) else "<n>" + tail
    return _mask_shape(core, text, start) + tail


def _mask_shape(core: str, text: str, start: int) -> str:
    if ("-" in core or ":" in core) and _TIMESTAMP.fullmatch(core):
        return "<ts>"
    if "-" in core and _UUID.fullmatch(core):
        return "<uuid>"
    if "." in core and _IPV4.fullmatch(core):
        return "<ip>"
    if _HEX.fullmatch(core):
        in_parens = len(core) == 16 and text[start - 1 : start] == "(" and text.startswith(")", start + 16)
        return "<ray>" if in_parens else "<hex>"
    number = _NUMBER_WITH_UNIT.fullmatch(core)
    if number is not None:
        return "<n>" + number.group(2)
    if _MIXED_ID.fullmatch(core):
        return "<id>"
    return _INNER_NUMBER.sub("<n>", _INNER_ID.sub("<id>", core))


@lru_cache(maxsize=4096)
def template(text: str) -> str:
    """``text`` with its variable parts masked (see the module docstring for the rules, in order).

    Cached (bounded): one error often repeats verbatim thousands of times.
    """
    if "?" in text:
        text = _QUERY.sub("", text)
    if "/" in text:
        if "://" in text:
            text = _URL.sub(_url, text)
        text = _BARE_PATH.sub(_bare_path, text)
    if "'" in text:
        text = _SINGLE_QUOTED.sub(_quoted, text)
    if '"' in text:
        text = _DOUBLE_QUOTED.sub(_quoted, text)
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    if "::" in text or text.count(":") >= 7:
        text = _IPV6.sub("<ip>", text)
    text = " ".join(_mask_tokens(text).split())
    return text if len(text) <= TEMPLATE_CAP else text[: TEMPLATE_CAP - 1] + "…"


# ---- error_text ------------------------------------------------------------------------------

_ERROR_WORDS: Final = (
    "error",
    "fail",
    "exception",
    "denied",
    "invalid",
    "timeout",
    "timed out",
    "time out",
    "refused",
    "unauthori",
    "forbidden",
    "rate limit",
    "rate-limit",
    "rate_limit",
    "too many",
    "cannot",
    "can't",
    "not found",
    "hang up",
)
_ERROR_STATUS = re.compile(r"[45]\d\d(?<![\w.]\d\d\d)(?![\w.])")


def looks_like_error(text: str) -> bool:
    """Whether a log line or message reads like an error (an error word or a 4xx/5xx number)."""
    return mentions(text.lower(), _ERROR_WORDS) or _ERROR_STATUS.search(text) is not None


_PREFIX = re.compile(
    r"^\s*(?:\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?\s+)?"
    r"(?:(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s+)?"
    r"(?:(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]+)\s+)?"
    r"(?:\([0-9a-f]{8,}(?:-[A-Z]{3})?\)\s+)?"
)
_ACCESS_LINE = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+\s+\d{3}(?:\s+-\s+(?P<rest>.+))?$")


def strip_prefix(message: str) -> str:
    """A message without its leading timestamp, level, client ip and ray id."""
    match = _PREFIX.match(message)
    return (message[match.end() :] if match else message).strip()


def _error_line(lines: list[str]) -> str | None:
    """The last error-looking line, preferring the last one that names a cause."""
    fallback = None
    for line in reversed(lines):
        if not looks_like_error(line):
            continue
        if cause_from_text(line) is not None:
            return line.strip()
        fallback = fallback or line.strip()
    return fallback


def _message_error(row: Row) -> str | None:
    message = row.get("message")
    if not isinstance(message, str):
        return None
    text = strip_prefix(message)
    access = _ACCESS_LINE.match(text)
    if access is not None:
        return access.group("rest")
    if looks_like_error(text) or message_is_error_level(row):
        return text or None
    return None


def _api_path(row: Row) -> str:
    path = row.get("http_url_details_path")
    if isinstance(path, str) and path:
        for prefix in ("/unified/", "/proxy/"):
            if path.startswith(prefix):
                return path[len(prefix) :]
        return path.lstrip("/")
    resource = row.get("resource")
    return str(resource) if resource else "?"


def _synthesised(log_type: LogType, row: Row) -> str:
    """A text built from the row's fields, for error rows whose logs and message say nothing."""
    integration = row.get("integration") or "?"
    reauth = " (integrated account needs reauth)" if is_true(row.get("integrated_account_needs_reauth")) else ""
    code = status_code(log_type, row)
    if log_type is LogType.MCP:
        tool = f" {row['tool_name']}" if row.get("tool_name") else ""
        return f"HTTP {code} from MCP {row.get('mcp_method') or '?'}{tool} ({integration}){reauth}"
    if log_type is LogType.UNIFIED_PROXY_API:
        method = row.get("http_method") or row.get("method") or "?"
        return f"HTTP {code} from {integration} on {method} {_api_path(row)}{reauth}"
    if log_type is LogType.WEBHOOK:
        event = row.get("event") or "?"
        if code is not None:
            return f"webhook endpoint answered {code} for {event}"
        return f"webhook delivery failed for {event}"
    if log_type is LogType.RAPID_BRIDGE:
        where = row.get("resource") or integration
        if undelivered_records(row):
            flags = [f for f in ("webhook_successful", "datastore_successful") if row.get(f) is not None]
            failed = ", ".join(f"{f} {str(row[f]).lower()}" for f in flags)
            return f"records fetched but not delivered ({failed}) on {where}"
        return f"sync run {row.get('sync_job_run_event') or row.get('status') or 'event'} on {where}{reauth}"
    return f"cron trigger error on {integration}{reauth}"


def error_text(log_type: LogType, row: Row) -> str:
    """The most informative error text of a row.

    In order: the last line of ``logs`` that looks like an error (preferring one that names a cause);
    else the message without its timestamp/level/ip/ray-id prefix (the part after " - " of an access
    line "GET <url> 502 - <error>"), if it looks like an error; else a text built from the row's fields
    ("HTTP 502 from salesforce on GET crm/contacts", "webhook endpoint answered 503 for <event>").
    """
    return _error_line(log_lines(row)) or _message_error(row) or _synthesised(log_type, row)


# ---- bounded counters ------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class TopValues:
    top: tuple[tuple[str, int], ...]
    """The most common values with their row counts, most common first (at most ``TOP_VALUES``)."""
    distinct: int
    """Distinct values seen; a lower bound when ``distinct_is_exact`` is false."""
    distinct_is_exact: bool
    untracked_rows: int
    """Rows whose value was not counted because the group already tracked ``DISTINCT_CAP`` values."""


class _BoundedCounter(Generic[K]):
    """A Counter that tracks at most ``cap`` distinct keys; rows with further keys are only counted."""

    __slots__ = ("counts", "cap", "untracked")

    def __init__(self, cap: int = DISTINCT_CAP) -> None:
        self.counts: dict[K, int] = {}
        self.cap = cap
        self.untracked = 0

    def add(self, key: K | None) -> None:
        if key is None:
            return
        counts = self.counts
        if key in counts:
            counts[key] += 1
        elif len(counts) < self.cap:
            counts[key] = 1
        else:
            self.untracked += 1

    def most_common(self, n: int | None = None) -> list[tuple[K, int]]:
        ranked = sorted(self.counts.items(), key=lambda item: -item[1])
        return ranked if n is None else ranked[:n]

    def top_values(self) -> TopValues:
        return TopValues(
            top=tuple((str(key), count) for key, count in self.most_common(TOP_VALUES)),
            distinct=len(self.counts) + (1 if self.untracked else 0),
            distinct_is_exact=self.untracked == 0,
            untracked_rows=self.untracked,
        )


# ---- the summarizer --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    log_type: LogType
    key: dict[str, str | None]
    """The ``group_by`` values of this group ("(other)" for each in an overflow group)."""
    template: str
    """The group's message template (the most common one when ``template`` is not a group_by field)."""
    cause: Cause
    """The most common cause of the group's rows (the first row's cause on a tie)."""
    causes: tuple[tuple[Cause, int], ...]
    count: int
    share: float
    """count / errors of all log types."""
    first_seen: str | None
    last_seen: str | None
    status_codes: tuple[tuple[int, int], ...]
    """http_status_code (webhook: webhook_endpoint_status) -> rows, most common first."""
    integrations: TopValues
    resources: TopValues
    integrated_account_ids: TopValues
    examples: tuple[Row, ...]
    """The newest rows of the group, newest first (at most ``examples_per_group``)."""
    sample_message: str
    """The error text of the newest row, at most ``SAMPLE_CAP`` characters."""
    is_other: bool
    """True for the overflow group that collects new keys once ``max_groups`` groups exist."""


@dataclass(frozen=True, slots=True)
class ErrorSummary:
    group_by: tuple[str, ...]
    rows_scanned: dict[LogType, int]
    rows_scanned_total: int
    errors: dict[LogType, int]
    errors_total: int
    error_rate: float
    """errors_total / rows_scanned_total (0.0 when nothing was scanned)."""
    groups: tuple[ErrorGroup, ...]
    """The top groups, count descending (ties: the group seen first)."""
    groups_total: int
    """How many groups there were before keeping the top ones (overflow groups included)."""
    rows_in_other: int
    """Error rows folded into "(other)" groups because ``max_groups`` was reached."""
    max_groups: int

    def error_rate_of(self, log_type: LogType) -> float:
        scanned = self.rows_scanned.get(log_type, 0)
        return self.errors.get(log_type, 0) / scanned if scanned else 0.0


class _Group:
    __slots__ = (
        "log_type",
        "key",
        "is_other",
        "count",
        "causes",
        "templates",
        "first",
        "last",
        "statuses",
        "integrations",
        "resources",
        "accounts",
        "examples",
        "newest",
        "sample",
    )

    def __init__(self, log_type: LogType, key: tuple[str | None, ...], is_other: bool) -> None:
        self.log_type = log_type
        self.key = key
        self.is_other = is_other
        self.count = 0
        self.causes: Counter[Cause] = Counter()
        self.templates: _BoundedCounter[str] = _BoundedCounter()
        self.first: tuple[datetime, str] | None = None
        self.last: tuple[datetime, str] | None = None
        self.statuses: _BoundedCounter[int] = _BoundedCounter()
        self.integrations: _BoundedCounter[str] = _BoundedCounter()
        self.resources: _BoundedCounter[str] = _BoundedCounter()
        self.accounts: _BoundedCounter[str] = _BoundedCounter()
        self.examples: list[tuple[datetime, Row]] = []
        self.newest: datetime | None = None
        self.sample = ""

    def add(self, row: Row, text: str, template_text: str, cause: Cause, limit: int) -> None:
        self.count += 1
        self.causes[cause] += 1
        self.templates.add(template_text)
        self.statuses.add(status_code(self.log_type, row))
        self.integrations.add(_text_value(row.get("integration")))
        self.resources.add(_text_value(row.get("resource")))
        self.accounts.add(_text_value(row.get("integrated_account_id")))
        self._seen(row, text, limit)

    def _seen(self, row: Row, text: str, limit: int) -> None:
        stamp = row.get("timestamp")
        moment = parse_row_time(stamp)
        if moment is not None and isinstance(stamp, str):
            if self.first is None or moment < self.first[0]:
                self.first = (moment, stamp)
            if self.last is None or moment > self.last[0]:
                self.last = (moment, stamp)
        moment = moment or _EPOCH
        if self.newest is None or moment > self.newest:
            self.newest = moment
            self.sample = text[:SAMPLE_CAP]
        if len(self.examples) < limit or (limit > 0 and moment > self.examples[-1][0]):
            index = next((i for i, (kept, _) in enumerate(self.examples) if moment > kept), len(self.examples))
            self.examples.insert(index, (moment, row))
            del self.examples[limit:]

    def result(self, group_by: Sequence[str], errors_total: int) -> ErrorGroup:
        causes = self.causes.most_common()
        templates = self.templates.most_common(1)
        return ErrorGroup(
            log_type=self.log_type,
            key=dict(zip(group_by, self.key, strict=True)),
            template=OTHER if self.is_other else (templates[0][0] if templates else ""),
            cause=causes[0][0] if causes else Cause.UNKNOWN,
            causes=tuple(causes),
            count=self.count,
            share=self.count / errors_total if errors_total else 0.0,
            first_seen=self.first[1] if self.first else None,
            last_seen=self.last[1] if self.last else None,
            status_codes=tuple(self.statuses.most_common()),
            integrations=self.integrations.top_values(),
            resources=self.resources.top_values(),
            integrated_account_ids=self.accounts.top_values(),
            examples=tuple(row for _, row in self.examples),
            sample_message=self.sample,
            is_other=self.is_other,
        )


def _text_value(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


class ErrorSummarizer:
    """Folds rows of any log types into error groups with bounded memory (see the module docstring).

    ``group_by``: row field names, or ``template`` (the error text's template), ``cause`` (the cause
    class) or ``status`` (the status code). Every group is also keyed by its log type.
    """

    def __init__(
        self, group_by: Sequence[str] = ("template",), max_groups: int = 500, examples_per_group: int = 3
    ) -> None:
        self.group_by = tuple(group_by)
        self.max_groups = max_groups
        self.examples_per_group = examples_per_group
        self._scanned: Counter[LogType] = Counter()
        self._errors: Counter[LogType] = Counter()
        self._groups: dict[tuple[str | None, ...], _Group] = {}
        self._regular_groups = 0
        self._rows_in_other = 0
        self._other_values: tuple[str | None, ...] = tuple(OTHER for _ in self.group_by)

    def add(self, log_type: LogType, row: Row) -> None:
        self._scanned[log_type] += 1
        if not is_error(log_type, row):
            return
        self._errors[log_type] += 1
        text = error_text(log_type, row)
        template_text = template(text)
        cause = classify(log_type, row, text)
        if self.group_by == ("template",):
            values: tuple[str | None, ...] = (template_text,)
        else:
            values = tuple([self._value(name, log_type, row, template_text, cause) for name in self.group_by])
        group = self._group_for(log_type, values)
        if group.is_other:
            self._rows_in_other += 1
        group.add(row, text, template_text, cause, self.examples_per_group)

    def _value(self, name: str, log_type: LogType, row: Row, template_text: str, cause: Cause) -> str | None:
        if name == "template":
            return template_text
        if name == "cause":
            return cause.value
        if name == "status":
            code = status_code(log_type, row)
            return None if code is None else str(code)
        return _text_value(row.get(name))

    def _group_for(self, log_type: LogType, values: tuple[str | None, ...]) -> _Group:
        key = (log_type, *values)
        group = self._groups.get(key)
        if group is not None:
            return group
        if self._regular_groups >= self.max_groups:
            other_key = (log_type, *self._other_values, OTHER)  # the extra OTHER: no clash with a real key
            group = self._groups.get(other_key)
            if group is None:
                group = self._groups[other_key] = _Group(log_type, self._other_values, is_other=True)
            return group
        self._regular_groups += 1
        group = self._groups[key] = _Group(log_type, values, is_other=False)
        return group

    @property
    def group_count(self) -> int:
        """Groups held right now (regular and overflow): never more than ``max_groups`` + one per log type."""
        return len(self._groups)

    @property
    def example_count(self) -> int:
        return sum(len(group.examples) for group in self._groups.values())

    def summary(self, top: int = 20) -> ErrorSummary:
        errors_total = sum(self._errors.values())
        scanned_total = sum(self._scanned.values())
        ranked = sorted(self._groups.values(), key=lambda group: -group.count)
        return ErrorSummary(
            group_by=self.group_by,
            rows_scanned=dict(self._scanned),
            rows_scanned_total=scanned_total,
            errors=dict(self._errors),
            errors_total=errors_total,
            error_rate=errors_total / scanned_total if scanned_total else 0.0,
            groups=tuple(group.result(self.group_by, errors_total) for group in ranked[: max(top, 0)]),
            groups_total=len(self._groups),
            rows_in_other=self._rows_in_other,
            max_groups=self.max_groups,
        )
