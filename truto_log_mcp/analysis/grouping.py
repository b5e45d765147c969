"""The engine of ``summarize_errors``: one error cause becomes one group, whatever ids it carries.

Why streaming: ``summarize_errors`` may scan hundreds of thousands of rows. ``ErrorSummarizer.add``
folds one row at a time into bounded state: at most ``max_groups`` groups (then one "(other)"
group per log type), at most ``examples_per_group`` example rows and at most ``DISTINCT_CAP``
distinct values per counted field in each group. Memory does not grow with the rows scanned.

Templates and error texts come from ``templates``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Generic, TypeVar

from truto_log_mcp.analysis.causes import (
    Cause,
    classify,
    is_error,
    status_code,
)
from truto_log_mcp.analysis.templates import error_text, template
from truto_log_mcp.rows import Row, parse_row_time
from truto_log_mcp.rules import LogType

SAMPLE_CAP: Final = 300
DISTINCT_CAP: Final = 50
"""Distinct values counted per field in one group; beyond, rows are counted as untracked."""
TOP_VALUES: Final = 5
OTHER: Final = "(other)"
ID_FIELDS: Final = ("sync_job_run_id", "sync_job_id", "webhook_id", "mcp_server_id", "tool_name")
"""What a group counts besides its accounts: the runs, jobs, webhooks and MCP servers its rows affect (ids),
and the MCP tools that failed (by name: "which MCP tool fails most?" is asked of these groups)."""
PSEUDO_FIELDS: Final = ("template", "cause", "status")
"""``group_by`` names that are not row fields: the message template, the cause class, the status code."""

_EPOCH = datetime.min.replace(tzinfo=UTC)

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
        # Ties in a fixed order, not the order rows arrived in (concurrent scans, the scan cache).
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], str(item[0])))
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
    environments: TopValues
    """``environment_id`` -> rows (the answer shows them when its rows carry more than one)."""
    examples: tuple[Row, ...]
    """The newest rows of the group, newest first (at most ``examples_per_group``)."""
    sample_message: str
    """The error text of the newest row, at most ``SAMPLE_CAP`` characters."""
    is_other: bool
    """True for the overflow group that collects new keys once ``max_groups`` groups exist."""
    ids: dict[str, TopValues] = field(default_factory=dict)
    """Per field of ``ID_FIELDS`` that the group's rows carry, its most common values."""


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
        "environments",
        "ids",
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
        self.environments: _BoundedCounter[str] = _BoundedCounter()
        self.ids: dict[str, _BoundedCounter[str]] = {}
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
        self.environments.add(_text_value(row.get("environment_id")))
        for name in ID_FIELDS:
            value = _text_value(row.get(name))
            if value is not None:
                self.ids.setdefault(name, _BoundedCounter()).add(value)
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
            environments=self.environments.top_values(),
            examples=tuple(row for _, row in self.examples),
            sample_message=self.sample,
            is_other=self.is_other,
            ids={name: counter.top_values() for name, counter in self.ids.items()},
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
        self,
        group_by: Sequence[str] = ("template",),
        max_groups: int = 500,
        examples_per_group: int = 3,
        on_error: Callable[[LogType, Row, Cause], None] | None = None,
    ) -> None:
        self.group_by = tuple(group_by)
        self.on_error = on_error
        """Also told each error row with its cause (the error timeline of views folds them)."""
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
        text, template_text, cause, values = self._read(log_type, row)
        group = self._group_for(log_type, values)
        if group.is_other:
            self._rows_in_other += 1
        group.add(row, text, template_text, cause, self.examples_per_group)
        if self.on_error is not None:
            self.on_error(log_type, row, cause)

    def group_values(self, log_type: LogType, row: Row) -> tuple[str | None, ...] | None:
        """The ``group_by`` values of an error row (a group's ``key`` values), None for a row that is no error.
        Counts nothing: for rows read beside the summary (the look-back before the window)."""
        return self._read(log_type, row)[3] if is_error(log_type, row) else None

    def _read(self, log_type: LogType, row: Row) -> tuple[str, str, Cause, tuple[str | None, ...]]:
        text = error_text(log_type, row)
        template_text = template(text)
        cause = classify(log_type, row, text)
        if self.group_by == ("template",):
            return text, template_text, cause, (template_text,)
        values = tuple([self._value(name, log_type, row, template_text, cause) for name in self.group_by])
        return text, template_text, cause, values

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
        ranked = sorted(self._groups.values(), key=_rank)
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


def _rank(group: _Group) -> tuple[int, str, str]:
    """Largest first; ties in a fixed order, not the order rows arrived in (concurrent scans, the scan cache)."""
    return -group.count, group.log_type.value, repr(group.key)
