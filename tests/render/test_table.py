"""Rendering: third-party text cleaned and capped, compact cells, token-budgeted tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.tools.hostile import hostile_rows
from truto_log_mcp.render.table import (
    CELL_CAP,
    FULL_ITEMS_CAP,
    FULL_VALUE_CAP,
    Table,
    cap_text,
    clean_text,
    estimate_tokens,
    full_row,
    structured_value,
    table_line,
    text_cell,
)
from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig

UUID_A = "1ba1f401-7183-47c5-9e39-e8e257e3c795"
UUID_A_TWIN = "1ba1f401-0000-4000-8000-000000000000"
UUID_B = "0c7e0d6a-8a1b-4c1e-9a55-0b9f7c1f2a10"


# --- clean_text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;32;40mbold\x1b[m", "bold"),
        ("\x1b[?25lhidden", "hidden"),
        ("\x1b[2Kerased", "erased"),
    ],
)
def test_clean_text_strips_ansi_escapes(raw: str, cleaned: str) -> None:
    assert clean_text(raw, 100) == cleaned


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"])
def test_clean_text_strips_control_characters(control: str) -> None:
    assert clean_text(f"a{control}b", 100) == "ab"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\t"])
def test_clean_text_flattens_newlines_and_tabs_to_spaces(newline: str) -> None:
    assert clean_text(f"line one{newline}line two", 100) == "line one line two"


def test_clean_text_keeps_printable_unicode() -> None:
    assert clean_text("Token still valid — no refresh needed ✓", 100) == "Token still valid — no refresh needed ✓"


def test_clean_text_caps_with_an_ellipsis() -> None:
    capped = clean_text("abcdefghij", 5)
    assert capped == "abcd…"
    assert len(capped) == 5


def test_clean_text_at_the_cap_is_unchanged() -> None:
    assert clean_text("abcde", 5) == "abcde"


def test_clean_text_caps_after_cleaning() -> None:
    assert clean_text("\x1b[31mabcde\x1b[0m", 5) == "abcde"


# --- structured_value --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, True, 200, 1.5])
def test_structured_value_keeps_scalars(value: Any) -> None:
    assert structured_value(value) == value


def test_structured_value_renders_containers_as_compact_json() -> None:
    assert structured_value({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'


def test_structured_value_caps_text() -> None:
    assert structured_value("x" * 500) == "x" * (CELL_CAP - 1) + "…"


# --- text_cell ---------------------------------------------------------------------------------


def test_text_cell_shortens_a_uuid_and_records_it_in_the_legend() -> None:
    legend: dict[str, str] = {}
    assert text_cell(UUID_A, legend) == "1ba1f401"
    assert legend == {"1ba1f401": UUID_A}


def test_text_cell_shortens_the_same_uuid_every_time() -> None:
    legend: dict[str, str] = {}
    text_cell(UUID_A, legend)
    assert text_cell(UUID_A, legend) == "1ba1f401"


def test_text_cell_shows_a_second_uuid_with_the_same_prefix_in_full() -> None:
    legend: dict[str, str] = {}
    text_cell(UUID_A, legend)
    assert text_cell(UUID_A_TWIN, legend) == UUID_A_TWIN
    assert legend == {"1ba1f401": UUID_A}


def test_text_cell_shortens_an_uppercase_uuid() -> None:
    legend: dict[str, str] = {}
    assert text_cell(UUID_A.upper(), legend) == "1BA1F401"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-05-16T06:28:27.040Z", "2026-05-16 06:28:27"),
        ("2026-05-16T06:28:27Z", "2026-05-16 06:28:27"),
        ("2026-05-16T06:28:27.040123+00:00", "2026-05-16 06:28:27"),
    ],
)
def test_text_cell_compacts_utc_iso_timestamps(value: str, shown: str) -> None:
    assert text_cell(value, {}) == shown


def test_text_cell_leaves_a_timestamp_with_another_offset_as_is() -> None:
    assert text_cell("2026-05-16T06:28:27+02:00", {}) == "2026-05-16T06:28:27+02:00"


def test_text_cell_escapes_pipes() -> None:
    assert text_cell("a|b|c", {}) == "a¦b¦c"


def test_text_cell_escapes_pipes_inside_structured_values() -> None:
    assert text_cell({"q": "a|b"}, {}) == '{"q":"a¦b"}'


@pytest.mark.parametrize(("value", "shown"), [(True, "true"), (False, "false"), (None, ""), (200, "200")])
def test_text_cell_scalars(value: Any, shown: str) -> None:
    assert text_cell(value, {}) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(150.0, "150"), (1234.56, "1235"), (12.345, "12.3"), (0.12345, "0.123"), (-0.5, "-0.5")],
)
def test_text_cell_floats_are_short(value: float, shown: str) -> None:
    assert text_cell(value, {}) == shown


def test_text_cell_cleans_and_caps_text() -> None:
    cell = text_cell("\x1b[31merror\x1b[0m\n" + "x" * 500, {})
    assert cell.startswith("error x")
    assert len(cell) == CELL_CAP
    assert cell.endswith("…")


# --- Table -------------------------------------------------------------------------------------


def rendered(table: Table, refs: list[str], rows: list[dict[str, Any]], budget: int) -> tuple[list[str], int]:
    """The lines of the rows that fit ``budget``, each charged as long a ref as the longest of ``refs``, and
    how many rows fit."""
    fitted = table.fit(rows, budget, max(map(len, refs), default=0))
    return table.lines(refs[:fitted]), fitted


def _rows(count: int) -> tuple[list[str], list[dict[str, Any]]]:
    refs = [f"r{number:06x}" for number in range(count)]
    rows = [{"http_method": "GET", "message": f"message number {number} " * 3} for number in range(count)]
    return refs, rows


def test_table_has_a_header_with_ref_first() -> None:
    refs, rows = _rows(1)
    lines, _fitted = rendered(Table(["http_method", "message"]), refs, rows, 10_000)
    assert lines[0] == "ref|http_method|message"


def test_table_renders_one_line_a_row() -> None:
    lines, fitted = rendered(
        Table(["timestamp", "http_status_code"]),
        ["r000001", "r000002"],
        [{"timestamp": "2026-05-16T06:28:27Z", "http_status_code": 500}, {}],
        10_000,
    )
    assert lines == ["ref|timestamp|http_status_code", "== 2026-05-16 ==", "r000001|06:28:27|500", "r000002||"]
    assert fitted == 2


def test_table_prints_each_date_once_above_its_rows() -> None:
    stamps = ["2026-05-16T06:28:27Z", "2026-05-16T01:00:00Z", "2026-05-15T23:59:59Z"]
    lines, _ = rendered(Table(["timestamp"]), ["r1", "r2", "r3"], [{"timestamp": stamp} for stamp in stamps], 10_000)
    assert lines[1:] == ["== 2026-05-16 ==", "r1|06:28:27", "r2|01:00:00", "== 2026-05-15 ==", "r3|23:59:59"]


def test_table_keeps_within_the_token_budget() -> None:
    refs, rows = _rows(50)
    budget = 200
    lines, fitted = rendered(Table(["http_method", "message"]), refs, rows, budget)
    assert 1 < fitted < 50
    assert len(lines) == fitted + 1
    assert estimate_tokens(lines[0]) + sum(estimate_tokens(line) + 1 for line in lines[1:]) <= budget


def test_table_fits_as_many_rows_as_the_budget_allows() -> None:
    refs, rows = _rows(50)
    budget = 200
    lines, fitted = rendered(Table(["http_method", "message"]), refs, rows, budget)
    spent = estimate_tokens(lines[0]) + sum(estimate_tokens(line) + 1 for line in lines[1:])
    next_line, _ = rendered(
        Table(["http_method", "message"]), refs[fitted : fitted + 1], rows[fitted : fitted + 1], 10_000
    )
    assert spent + estimate_tokens(next_line[1]) + 1 > budget


def test_table_renders_at_least_one_row_over_budget() -> None:
    refs, rows = _rows(5)
    lines, fitted = rendered(Table(["http_method", "message"]), refs, rows, 1)
    assert fitted == 1
    assert len(lines) == 2


def test_table_renders_every_row_within_a_large_budget() -> None:
    refs, rows = _rows(5)
    lines, fitted = rendered(Table(["http_method", "message"]), refs, rows, 100_000)
    assert fitted == 5
    assert len(lines) == 6


def test_table_of_no_rows_is_the_header() -> None:
    lines, fitted = rendered(Table(["timestamp"]), [], [], 100)
    assert (lines, fitted) == (["ref|timestamp"], 0)


def test_a_row_is_charged_the_ref_it_will_get() -> None:
    _refs, rows = _rows(50)
    with_short_refs = Table(["http_method", "message"]).fit(rows, 200, 2)
    assert Table(["http_method", "message"]).fit(rows, 200, 40) < with_short_refs


def test_the_values_are_the_structured_values_of_the_rows_taken() -> None:
    columns = ["timestamp", "integrated_account_id", "message", "headers", "duration"]
    rows: list[dict[str, Any]] = [
        {
            "timestamp": "2026-05-16T06:28:27Z",
            "integrated_account_id": UUID_A,
            "message": "\x1b[31mred",
            "duration": 1.5,
        },
        {"message": "x" * 500, "headers": {"a": "b|c"}},
        {"message": "y" * 500},
    ]
    table = Table(columns)
    fitted = table.fit(rows, 120, 8)
    assert fitted == 2
    assert table.values == [[structured_value(row.get(column)) for column in columns] for row in rows[:fitted]]


@pytest.fixture(scope="module")
def small_world() -> Sandbox:
    return Sandbox(SandboxConfig(scale=0.05))


@pytest.mark.parametrize("log_type", list(LogType))
def test_the_sandbox_s_rows_show_as_each_cell_alone_shows(small_world: Sandbox, log_type: LogType) -> None:
    """One cleaning for the text and the structured content shows what ``text_cell`` and
    ``structured_value`` show of each cell on its own, for every field of every log type (hostile rows too)."""
    rows = hostile_rows(datetime.now(UTC))[log_type] + small_world.rows(log_type)[:300]
    columns = sorted(RULES[log_type].field_names - {"timestamp"})
    table = Table(columns)
    assert table.fit(rows, 10_000_000, 8) == len(rows)
    legend: dict[str, str] = {}
    refs = [f"r{number}" for number in range(len(rows))]
    expected = [
        table_line([ref, *(text_cell(row.get(c), legend) for c in columns)])
        for ref, row in zip(refs, rows, strict=True)
    ]
    assert table.lines(refs)[1:] == expected
    assert table.values == [[structured_value(row.get(column)) for column in columns] for row in rows]


def test_legend_line_is_none_without_uuids() -> None:
    table = Table(["timestamp"])
    rendered(table, ["r000001"], [{"timestamp": "2026-05-16T06:28:27Z"}], 1000)
    assert table.legend_line() is None


def test_legend_line_lists_each_shortened_uuid_once() -> None:
    table = Table(["integrated_account_id", "sync_job_run_id"])
    rendered(
        table,
        ["r000001", "r000002"],
        [
            {"integrated_account_id": UUID_A, "sync_job_run_id": UUID_B},
            {"integrated_account_id": UUID_A, "sync_job_run_id": UUID_A_TWIN},
        ],
        1000,
    )
    assert table.legend_line() == f"ids: {UUID_A}, {UUID_B}"


def test_legend_line_lists_no_id_of_a_row_left_out_by_the_budget() -> None:
    table = Table(["integrated_account_id", "message"])
    rows = [
        {"integrated_account_id": UUID_A, "message": "short"},
        {"integrated_account_id": UUID_B, "message": "x" * 90},
    ]
    _lines, fitted = rendered(table, ["r000001", "r000002"], rows, 30)
    assert fitted == 1
    assert table.legend_line() == f"ids: {UUID_A}"


# --- full_row ----------------------------------------------------------------------------------


def test_full_row_keeps_every_field() -> None:
    row = {"http_status_code": 500, "duration": 1.5, "integrated_account_needs_reauth": True, "user_id": None}
    assert full_row(row) == row


def test_full_row_caps_long_strings_at_the_full_value_cap() -> None:
    value = full_row({"message": "x" * (FULL_VALUE_CAP + 1000)})["message"]
    assert len(value) == FULL_VALUE_CAP
    assert value.endswith("…")


def test_full_row_keeps_strings_longer_than_a_cell() -> None:
    text = "x" * (CELL_CAP * 3)
    assert full_row({"message": text}) == {"message": text}


def test_full_row_cleans_nested_values() -> None:
    row = {
        "logs": ["\x1b[31mfailed\x1b[0m", "line\nbreak"],
        "response_headers": {"x-note": "a\x07b", "nested": [{"deep": "\x1b[1mbold\x1b[0m"}]},
    }
    assert full_row(row) == {
        "logs": ["failed", "line break"],
        "response_headers": {"x-note": "ab", "nested": [{"deep": "bold"}]},
    }


def test_full_row_caps_nested_strings() -> None:
    row = {"remote_requests": [{"url": "u" * (FULL_VALUE_CAP * 2)}]}
    assert len(full_row(row)["remote_requests"][0]["url"]) == FULL_VALUE_CAP


def test_full_row_cuts_long_lists_and_says_how_many_more() -> None:
    row = full_row({"logs": [f"line {number}" for number in range(FULL_ITEMS_CAP + 5)]})
    assert len(row["logs"]) == FULL_ITEMS_CAP + 1
    assert row["logs"][-1] == "… (+5 more items)"


def test_cap_text_cuts_and_states_the_cut() -> None:
    assert cap_text("x" * 50, 100) == "x" * 50
    capped = cap_text("x" * 500, 100)
    assert capped.startswith("x" * 100)
    assert "500 characters" in capped


def test_the_legend_s_full_ids_count_against_the_token_budget() -> None:
    """Rows of distinct uuids: each adds a full id to the legend line, so fewer fit than without ids."""
    plain = [{"integrated_account_id": f"account {number:04d}", "message": "m"} for number in range(40)]
    with_ids = [
        {"integrated_account_id": f"{number:08x}-1111-4222-8333-444455556666", "message": "m"} for number in range(40)
    ]
    table = Table(["integrated_account_id", "message"])
    fitted = table.fit(with_ids, 200, 8)
    lines = table.lines(["r" * 8] * fitted)
    legend = table.legend_line()
    assert legend is not None and fitted < Table(["integrated_account_id", "message"]).fit(plain, 200, 8)
    assert estimate_tokens(lines[0]) + sum(estimate_tokens(line) + 1 for line in [*lines[1:], legend]) <= 200 + 2


@pytest.mark.parametrize(
    ("message", "cut"),
    [
        ("x" * (CELL_CAP + 1), True),
        ("x" * CELL_CAP, False),
        ("x" * (CELL_CAP - 1) + "\x00" * 50, False),  # long only because of what cleaning removes
        ({"nested": "y" * CELL_CAP}, True),
    ],
)
def test_a_table_knows_whether_a_value_it_took_was_cut(message: Any, cut: bool) -> None:
    table = Table(["message"])
    table.fit([{"message": message}], 10_000, 8)
    assert table.cut is cut


def test_a_value_cut_in_a_row_left_out_is_not_counted() -> None:
    table = Table(["message"])
    assert table.fit([{"message": "short"}, {"message": "x" * 5_000}], 20, 8) == 1
    assert not table.cut
