"""Tokens per row of a ``search_logs`` answer against the raw upstream JSON of the same rows.

For each log type: ``search_logs`` with default columns and ``limit=100`` (no ``match``) through the
SDK's in-memory ``Client`` on the sandbox, and the same page fetched directly from the sandbox's
``GET /log``. Compared per returned row (the answer may return fewer than 100 rows when they do not
fit its token budget; the raw side then counts the same first rows of the page):

- text: every text block of the answer (headline, table, id legend, notes), what the model reads;
- structured: ``structuredContent`` as compact JSON;
- raw: the upstream ``result`` rows as compact JSON.

Targets, per log type: text at most 1/8 of raw, structured at most 1/3 of raw.
Also measured: the whole answer at the default ``limit`` (20).

Run: ``python -m bench.tokens``.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from bench.common import BenchResult, compact, count_tokens, report, table
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
"""The sandbox's fixed "now": the same rows on every run."""
BASE_URL = "http://sandbox.test"
PAGE = 100
DEFAULT_LIMIT = 20
TEXT_TARGET = 1 / 8
SERVERS = 7
"""Servers measured: refs carry each process's random instance tag, whose tokens vary (a rapid_bridge page
read 1/8.1 to 1/8.6 of raw across servers), so each figure is the median over this many servers."""
STRUCTURED_TARGET = 1 / 3


@dataclass(frozen=True, slots=True)
class Answer:
    rows: int
    text_tokens: int
    structured_tokens: int
    timestamps: list[str]
    """The rows' ``timestamp`` column, to check that raw and answer hold the same rows."""


@dataclass(frozen=True, slots=True)
class TypeMeasure:
    log_type: str
    rows: int
    raw_per_row: float
    text_per_row: float
    structured_per_row: float
    default_rows: int
    default_text: int
    default_structured: int
    default_raw: int

    @property
    def text_ratio(self) -> float:
        return self.text_per_row / self.raw_per_row

    @property
    def structured_ratio(self) -> float:
        return self.structured_per_row / self.raw_per_row

    @property
    def met(self) -> bool:
        return self.text_ratio <= TEXT_TARGET and self.structured_ratio <= STRUCTURED_TARGET


def measure_answer(result: CallToolResult) -> Answer:
    if result.is_error or result.structured_content is None:
        texts = " ".join(block.text for block in result.content if block.type == "text")
        raise RuntimeError(f"search_logs failed: {texts}")
    text = "\n".join(block.text for block in result.content if block.type == "text")
    structured = result.structured_content
    rows = structured["rows"]
    assert isinstance(rows, list)
    column = structured["columns"].index("timestamp")
    return Answer(len(rows), count_tokens(text), count_tokens(compact(structured)), [str(row[column]) for row in rows])


async def raw_page(http: httpx2.AsyncClient, log_type: LogType) -> list[dict[str, Any]]:
    response = await http.get(
        "/log",
        params={"log_type": log_type.value, "limit": PAGE},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    response.raise_for_status()
    rows = response.json()["result"]
    assert isinstance(rows, list) and len(rows) == PAGE
    return rows


async def measure(sandbox: Sandbox) -> list[TypeMeasure]:
    settings = Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url=BASE_URL)
    server = build_server(settings, httpx2.ASGITransport(app=sandbox.app))
    # MCPServer configures logging at INFO, where httpx2 logs every request: keep stderr quiet.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    measures = []
    async with (
        httpx2.AsyncClient(base_url=BASE_URL, transport=httpx2.ASGITransport(app=sandbox.app)) as http,
        Client(server) as client,
    ):
        for log_type in LogType:
            raw = await raw_page(http, log_type)
            full = measure_answer(await client.call_tool("search_logs", {"log_type": log_type.value, "limit": PAGE}))
            default = measure_answer(await client.call_tool("search_logs", {"log_type": log_type.value}))
            if full.timestamps != [row["timestamp"] for row in raw[: full.rows]]:
                raise RuntimeError(f"{log_type.value}: the answer's rows are not the first rows of the raw page")
            raw_tokens = count_tokens(compact(raw[: full.rows]))
            measures.append(
                TypeMeasure(
                    log_type=log_type.value,
                    rows=full.rows,
                    raw_per_row=raw_tokens / full.rows,
                    text_per_row=full.text_tokens / full.rows,
                    structured_per_row=full.structured_tokens / full.rows,
                    default_rows=default.rows,
                    default_text=default.text_tokens,
                    default_structured=default.structured_tokens,
                    default_raw=count_tokens(compact(raw[: default.rows])),
                )
            )
    return measures


def median_of(samples: list[TypeMeasure]) -> TypeMeasure:
    """Each figure's median over servers (the rows are the same in every sample)."""

    def mid(values: list[float]) -> float:
        return statistics.median(values)

    first = samples[0]
    return TypeMeasure(
        log_type=first.log_type,
        rows=first.rows,
        raw_per_row=first.raw_per_row,
        text_per_row=mid([sample.text_per_row for sample in samples]),
        structured_per_row=mid([sample.structured_per_row for sample in samples]),
        default_rows=first.default_rows,
        default_text=round(mid([sample.default_text for sample in samples])),
        default_structured=round(mid([sample.default_structured for sample in samples])),
        default_raw=first.default_raw,
    )


def run() -> BenchResult:
    started = time.perf_counter()
    sandbox = Sandbox(SandboxConfig(now=NOW, rate_limit=None))
    runs = [anyio.run(measure, sandbox) for _ in range(SERVERS)]
    measures = [median_of(list(samples)) for samples in zip(*runs, strict=True)]
    spread = {
        samples[0].log_type: (
            min(1 / (sample.text_per_row / sample.raw_per_row) for sample in samples),
            max(1 / (sample.text_per_row / sample.raw_per_row) for sample in samples),
        )
        for samples in zip(*runs, strict=True)
    }
    elapsed = time.perf_counter() - started
    rows = [
        [
            f"`{m.log_type}`",
            str(m.rows),
            f"{m.raw_per_row:.0f}",
            f"{m.text_per_row:.1f}",
            f"{m.structured_per_row:.1f}",
            f"1/{1 / m.text_ratio:.1f}",
            f"1/{1 / m.structured_ratio:.1f}",
            f"{m.default_text:,} / {m.default_structured:,} / {m.default_raw:,}",
            "met" if m.met else "MISSED",
        ]
        for m in measures
    ]
    header = [
        "log type",
        "rows",
        "raw tok/row",
        "text tok/row",
        "structured tok/row",
        "text/raw",
        "structured/raw",
        f"limit {DEFAULT_LIMIT}: text / structured / raw tok",
        "target",
    ]
    return BenchResult(
        title="Tokens per row (`search_logs`, default columns, `limit` 100, no `match`)",
        target=f"text at most 1/{1 / TEXT_TARGET:.0f} and structured at most 1/{1 / STRUCTURED_TARGET:.0f} "
        "of the raw upstream JSON of the same rows, per log type",
        met=all(m.met for m in measures),
        table=table(header, rows),
        summary=[
            "Tokens: o200k_base (`bench.common.count_tokens`). Raw: the upstream `result` rows as compact JSON. "
            "Text: the whole text answer (headline, table, id legend, notes). Structured: `structuredContent` "
            f"as compact JSON. Sandbox `now` {NOW:%Y-%m-%d %H:%MZ}, seed 7; measured in {elapsed:.1f} s.",
            f"Medians over {SERVERS} servers (refs carry a random instance tag); text/raw ranged "
            + ", ".join(f"{name} 1/{low:.1f}..1/{high:.1f}" for name, (low, high) in spread.items())
            + ".",
        ],
    )


def main() -> int:
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
