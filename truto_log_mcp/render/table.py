"""Compact rendering for the assistant's context window: text tables, caps stated, budgets kept.

A search result is a pipe-separated table (one header, one line a row, ``ref`` first) plus a
header line saying what was covered; uuids print as their first 8 characters with a legend of
the full ids once per response, and timestamps as the time of day under a line per date.

Text from rows is third-party data. ``clean_text`` is the one cleaning step for every string that
comes from a row, wherever it is shown: escape sequences, control, format (zero-width, bidi, tag)
and surrogate characters and variation selectors are removed, line breaks become spaces (a value
never starts a line of an answer), and the result is capped with the cut stated (``…``). Output
models mark such strings with ``Shown(cap)``, so that a model holds them cleaned (the text built
from it included) and dumps them cleaned; text tables escape ``|`` in every cell (``table_line``).
Rows that do not fit the response's token budget are returned to the caller, which keeps them for
the next page: nothing is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

CELL_CAP = 120
"""Characters of one value in a search table (text and structured), and of a run's facts."""
KEY_CAP = 200
"""Characters of a group key's value, a template, and a cell of a run's timeline."""
NOTE_CAP = 300
"""Characters of a sample message, an evidence item, a diagnosis."""
LABEL_CAP = 80
"""Characters of a value shown as a label: a group's top values, a group's name in the stats table."""
FULL_VALUE_CAP = 4000
"""Characters of one string value in get_log (a whole row)."""
PIPE_ESCAPE = "¦"
"""What a ``|`` of a value becomes in a text table: a character that is never a separator, so
that the columns a model reads are the table's own (``get_log`` shows the value as it is)."""

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\t\u2028\u2029]")
_UNSHOWN = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erasing
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (titles, hyperlinks, clipboard), DCS, SOS, PM, APC
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # C0 and C1 controls, DEL; ESC among them: no other sequence survives
    # Format characters (Unicode category Cf: soft hyphen, zero-width, bidi controls, BOM, tags ...):
    r"|[\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
    r"|[\ufe00-\ufe0f\U000e0100-\U000e01ef]"  # variation selectors: invisible, can carry hidden data
    r"|[\ud800-\udfff]"  # lone surrogates (JSON can escape them; no UTF-8 answer can carry them)
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|\+00:00)$")


def estimate_tokens(text: str) -> int:
    """A cheap, conservative token estimate (log text runs about 3 characters a token)."""
    return len(text) // 3 + 1


def _unshown_removed(text: str) -> str:
    return _UNSHOWN.sub("", _LINE_BREAKS.sub(" ", text))


def clean_text(text: str, cap: int) -> str:
    """Third-party text made safe to show (see the module docstring): one line, at most ``cap`` characters."""
    cleaned = _unshown_removed(text)
    if len(cleaned) > cap:
        return cleaned[: cap - 1] + "…"
    return cleaned


def clean_lines(text: str) -> str:
    """An answer made safe for a terminal: each of its own lines cleaned as ``clean_text`` does, none cut."""
    return "\n".join(_unshown_removed(line) for line in text.split("\n"))


@dataclass(frozen=True, slots=True)
class Shown:
    """Marks a ``str`` of an output model as row text: ``clean_text(value, cap)`` when a model is built
    (so the text written from the model is clean) and again when it is dumped (so structured content
    is clean even for a model built without validation). Used as ``Annotated[str, Shown(KEY_CAP)]``."""

    cap: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        clean = partial(clean_text, cap=self.cap)
        return core_schema.no_info_after_validator_function(
            clean,
            handler(source),
            serialization=core_schema.plain_serializer_function_ser_schema(
                clean, return_schema=core_schema.str_schema()
            ),
        )


CellText = Annotated[str, Shown(CELL_CAP)]
KeyText = Annotated[str, Shown(KEY_CAP)]
NoteText = Annotated[str, Shown(NOTE_CAP)]


def structured_value(value: Any, cap: int = CELL_CAP) -> Any:
    """A value for structured content: scalars kept, text cleaned and capped, containers as capped JSON."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return clean_text(value, cap)
    return clean_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str), cap)


def _was_cut(value: Any, shown: Any) -> bool:
    """Whether ``shown`` (``structured_value(value)``) is ``value`` cut to ``CELL_CAP``; long only because of
    characters cleaning removed is not cut."""
    return isinstance(shown, str) and len(shown) == CELL_CAP and shown.endswith("…") and value != shown


def table_cell(text: str) -> str:
    """A cell of a text table: its ``|`` escaped (``PIPE_ESCAPE``)."""
    return text.replace("|", PIPE_ESCAPE)


def table_line(cells: Iterable[object]) -> str:
    """One line of a text table: the cells (None: empty) escaped and joined by ``|``."""
    return "|".join(table_cell("" if cell is None else str(cell)) for cell in cells)


def text_cell(value: Any, legend: MutableMapping[str, str]) -> str:
    """A value as a text table shows it (a uuid shortened, recorded in ``legend``)."""
    return _text_cell(value, structured_value(value), legend)


def _text_cell(value: Any, shown: Any, legend: MutableMapping[str, str]) -> str:
    """``text_cell`` of ``value`` whose ``structured_value`` is ``shown`` (cleaned once, for both)."""
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
    return table_cell(str(shown))


class Table:
    """Rows rendered as a pipe table within a token budget.

    The ``timestamp`` column shows the time of day; a ``== YYYY-MM-DD ==`` line precedes the
    rows of each date (rows are newest first, so dates change rarely): the date is printed once
    instead of on every row.

    ``fit`` takes the rows that fit before their refs exist (so that refs are minted only for the
    rows an answer shows), then ``lines`` writes them with their refs. Each cell is cleaned once,
    for the text and for the structured content (``values``); the legend holds the ids of the
    rows taken only.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.legend: dict[str, str] = {}
        self.values: list[list[Any]] = []
        """Each row taken, as structured content shows it (``structured_value`` of each column)."""
        self._texts: list[tuple[str | None, list[str]]] = []
        self._date: str | None = None
        self.cut = False
        """Whether a value of a row taken was cut to ``CELL_CAP`` (the answer then says so)."""

    def fit(self, rows: Sequence[Mapping[str, Any]], token_budget: int, ref_chars: int) -> int:
        """Takes as many of ``rows`` as fit the budget (at least one), each charged a ref of ``ref_chars``
        characters and the legend's full ids it adds; returns how many it took."""
        placeholder = "r" * ref_chars
        spent = estimate_tokens(self._header())
        for row in rows:
            known = len(self.legend)
            date_line, cells, values = self._shown(row)
            row_lines = ([date_line] if date_line else []) + [table_line([placeholder, *cells])]
            cost = sum(estimate_tokens(line) + 1 for line in row_lines)
            # The full ids its prefixes add to the legend line are part of the answer too.
            cost += sum(
                estimate_tokens(f", {full}") for short, full in list(self.legend.items())[known:] if short != full
            )
            if self.values and spent + cost > token_budget:
                for short in list(self.legend)[known:]:  # the ids only the row left out uses
                    del self.legend[short]
                break
            if date_line:
                self._date = date_line
            self._texts.append((date_line, cells))
            self.values.append(values)
            self.cut = self.cut or any(map(_was_cut, (row.get(column) for column in self.columns), values))
            spent += cost
        return len(self.values)

    def lines(self, refs: Sequence[str]) -> list[str]:
        """The header and the rows taken, one ref each (in order)."""
        lines = [self._header()]
        for ref, (date_line, cells) in zip(refs, self._texts, strict=True):
            if date_line:
                lines.append(date_line)
            lines.append(table_line([ref, *cells]))
        return lines

    def _header(self) -> str:
        return table_line(["ref", *self.columns])

    def _shown(self, row: Mapping[str, Any]) -> tuple[str | None, list[str], list[Any]]:
        """The row's date line (when its date is new), text cells and structured values; its ids in the legend."""
        date_line = None
        cells = []
        values = [structured_value(row.get(column)) for column in self.columns]
        for column, shown in zip(self.columns, values, strict=True):
            value = row.get(column)
            if column == "timestamp" and isinstance(value, str) and (moment := _ISO_TIME.match(value)):
                marker = f"== {moment.group(1)} =="
                if marker != self._date:
                    date_line = marker
                cells.append(moment.group(2))
            else:
                cells.append(_text_cell(value, shown, self.legend))
        return date_line, cells, values

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
    """A whole row for get_log: every field, strings (names too) cleaned and capped, long lists and objects cut
    (stated)."""
    return {clean_text(str(key), CELL_CAP): _clean_deep(value, value_cap, items_cap) for key, value in row.items()}


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
