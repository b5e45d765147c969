"""Memory: peak RSS of the MCP server process while ``summarize_errors`` reads 20,000 and 200,000 rows.

Each size is measured in processes of its own, so that peaks do not mix:

- the sandbox (``python -m bench.scan_speed --serve N``): N ``unified_proxy_api`` rows over the last
  24 h, no latency, no rate limit, served over HTTP on 127.0.0.1. It holds every row in memory,
  so it must not be the process measured;
- the server (``python -m bench.memory --child URL START END``): imports the server, builds it with
  ``build_server`` and connects the SDK's in-memory ``Client`` (listing the tools), then calls
  ``summarize_errors`` over the whole window with ``max_rows`` 200,000. A thread samples the
  process's RSS every 20 ms from before the call to after it; its high-water mark (VmHWM) is read at the end.

The server runs with its rate budget at its cap (Truto's 500 per 10 s) and a scan time budget of
120 s, so that the 200,000 rows are read whole (with the default 250 per 10 s and 45 s it stops
after about 115,000 rows, by the time budget, as its coverage states).

Target: peak RSS under 200 MB at both sizes, and flat: the peak at 200,000 rows at most 20 MB over
the peak at 20,000 (ten times the rows may not cost more than allocator noise).

Run: ``python -m bench.memory``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BenchResult, report, table

SIZES = (20_000, 200_000)
PEAK_TARGET_MB = 200.0
FLAT_TARGET_MB = 20.0
SAMPLE_S = 0.02
RATE_BUDGET = 500
SCAN_MAX_SECONDS = 120.0
CALL_DEADLINE_S = 180.0
MB = 1024 * 1024


# ---- the server process -----------------------------------------------------------------------


def high_water_mark() -> int:
    """The process's peak RSS in bytes over its life since exec: Linux's VmHWM. Not ``ru_maxrss``: after
    exec Linux keeps the parent's high-water mark there, so a child of a big ``python -m bench`` process
    (the o200k tokenizer loaded) reported the parent's 268 MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakSampler:
    """Samples this process's RSS every ``SAMPLE_S`` seconds in a thread; keeps the peak."""

    def __init__(self) -> None:
        import psutil

        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.peak = self.rss()
        self.samples = 0

    def rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self.samples += 1
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def child_main(url: str, start: str, end: str) -> int:
    """Measure this process while its server summarises the window; print one JSON line."""
    import logging

    import anyio
    from mcp import Client

    from truto_log_mcp.server import build_server
    from truto_log_mcp.settings import Settings

    sampler = PeakSampler()
    after_imports = sampler.rss()

    async def measure() -> dict[str, Any]:
        logging.getLogger("httpx2").setLevel(logging.WARNING)
        settings = Settings(  # the token comes from TRUTO_API_TOKEN, as in production
            base_url=url,
            rate_budget=RATE_BUDGET,
            scan_max_seconds=SCAN_MAX_SECONDS,
            call_deadline_s=CALL_DEADLINE_S,
        )
        server = build_server(settings)
        arguments = {"log_type": "unified_proxy_api", "start": start, "end": end, "max_rows": 200_000}
        async with Client(server) as client:
            await client.list_tools()
            idle = sampler.rss()
            with sampler:
                started = time.perf_counter()
                result = await client.call_tool("summarize_errors", arguments)
                seconds = time.perf_counter() - started
            after = sampler.rss()
        answer = result.structured_content
        if result.is_error or not isinstance(answer, dict):
            texts = " ".join(block.text for block in result.content if block.type == "text")
            raise RuntimeError(f"summarize_errors failed: {texts}")
        coverage = answer["coverage"][0]
        return {
            "idle": idle,
            "after": after,
            "seconds": seconds,
            "rows": answer["rows_scanned"],
            "errors": answer["errors"],
            "groups": answer["groups_total"],
            "pages": coverage["pages"],
            "complete": coverage["complete"],
            "stopped_by": coverage["stopped_by"],
        }

    measured = anyio.run(measure)
    measured |= {
        "after_imports": after_imports,
        "peak": sampler.peak,
        "samples": sampler.samples,
        "high_water": high_water_mark(),
    }
    print(json.dumps(measured), flush=True)
    return 0


# ---- the parent -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measure:
    rows_served: int
    built_s: float
    sandbox_rss: int
    child: dict[str, Any]

    def mb(self, key: str) -> float:
        return float(self.child[key]) / MB

    @property
    def complete(self) -> bool:
        return bool(self.child["complete"]) and int(self.child["rows"]) == self.rows_served


def measure(rows: int) -> Measure:
    import psutil

    from bench.upstream import NOW, START, SandboxProcess, iso_ms
    from truto_log_mcp.sandbox import SANDBOX_TOKEN

    with SandboxProcess(rows) as sandbox:
        child = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", sandbox.url, iso_ms(START), iso_ms(NOW)],
            capture_output=True,
            text=True,
            timeout=CALL_DEADLINE_S + 30,
            env={**os.environ, "TRUTO_API_TOKEN": SANDBOX_TOKEN},
        )
        sandbox_rss = int(psutil.Process(sandbox.process.pid).memory_info().rss)
    if child.returncode != 0:
        raise RuntimeError(f"the server process failed ({child.returncode}): {child.stderr[-2000:]}")
    return Measure(
        rows, float(sandbox.ready["built_s"]), sandbox_rss, json.loads(child.stdout.strip().splitlines()[-1])
    )


def run() -> BenchResult:
    started = time.perf_counter()
    small, large = (measure(rows) for rows in SIZES)
    elapsed = time.perf_counter() - started
    growth = large.mb("peak") - small.mb("peak")
    under = all(m.mb("peak") < PEAK_TARGET_MB and m.mb("high_water") < PEAK_TARGET_MB for m in (small, large))
    flat = growth <= FLAT_TARGET_MB
    complete = small.complete and large.complete
    met = under and flat and complete

    def line(m: Measure) -> list[str]:
        rows = f"{int(m.child['rows']):,}" + ("" if m.complete else f" (PARTIAL: {m.child['stopped_by']})")
        return [
            f"{m.rows_served:,}",
            rows,
            str(m.child["pages"]),
            f"{float(m.child['seconds']):.1f}",
            f"{m.mb('after_imports'):.1f}",
            f"{m.mb('idle'):.1f}",
            f"**{m.mb('peak'):.1f}**",
            f"{m.mb('high_water'):.1f}",
            f"{m.mb('peak') - m.mb('idle'):+.1f}",
            f"{m.mb('after'):.1f}",
            f"{m.sandbox_rss / MB:.0f}",
        ]

    header = [
        "rows in window",
        "rows scanned",
        "pages",
        "seconds",
        "RSS after imports MB",
        "idle server MB",
        "peak RSS MB",
        "high-water MB",
        "scan adds MB",
        "after the call MB",
        "sandbox process MB",
    ]
    per_1000 = growth * 1024 / ((large.rows_served - small.rows_served) / 1000)
    summary = [
        f"Peak RSS from 20k to 200k rows: {growth:+.1f} MB ({per_1000:+.2f} KB per 1,000 more rows): "
        f"{'flat' if flat else 'NOT flat'} (criterion: at most {FLAT_TARGET_MB:g} MB more for ten times the rows).",
        "Server process only (the sandbox, which holds every row, runs in a process of its own: last column). "
        f"RSS sampled every {SAMPLE_S * 1000:.0f} ms by a thread during the call ({large.child['samples']} "
        "samples at 200k); high-water is the process's peak RSS since exec (VmHWM). Idle server: built, "
        "connected through the in-memory `Client`, tools listed. Server settings: rate budget "
        f"{RATE_BUDGET} per 10 s (its cap), scan time budget {SCAN_MAX_SECONDS:g} s, so that 200k rows are read "
        f"whole; sandbox without latency. {large.child['errors']:,} errors in {large.child['groups']} groups at 200k.",
        f"Sandboxes built in {small.built_s:.1f} s and {large.built_s:.1f} s; whole benchmark {elapsed:.0f} s.",
    ]
    return BenchResult(
        title="Memory (peak RSS of the server while `summarize_errors` reads every row)",
        target=f"peak RSS under {PEAK_TARGET_MB:g} MB at {SIZES[0]:,} and {SIZES[1]:,} rows, and flat "
        f"(at most {FLAT_TARGET_MB:g} MB more at {SIZES[1]:,})",
        met=met,
        table=table(header, [line(small), line(large)]),
        summary=summary,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("URL", "START", "END"), help="(internal) be the server process")
    args = parser.parse_args(argv)
    if args.child is not None:
        return child_main(*args.child)
    return report(run())


if __name__ == "__main__":
    raise SystemExit(main())
