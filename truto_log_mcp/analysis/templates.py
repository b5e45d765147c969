"""Error texts and their templates: which text of a row says what went wrong, and that text with its
variable parts masked.

Why templates: error rows of one cause differ only in the variable parts of their text (ids,
timestamps, counts, request ids, URLs). ``template`` masks those parts so that a day of errors
collapses into a handful of groups a person can read, while texts that name different causes
(a different status, phrase or field) stay apart.

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
from functools import lru_cache
from typing import Final

from truto_log_mcp.analysis.causes import (
    cause_from_text,
    is_true,
    log_lines,
    mentions,
    message_is_error_level,
    status_code,
    undelivered_records,
)
from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType

TEMPLATE_CAP: Final = 200

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
