"""Fuzz soak: the property of ``tests/fuzz/test_fuzz.py`` at 10,000 examples across every tool.

Hypothesis draws (tool, arguments) from ``tests.fuzz.strategies.TOOL_CALLS`` (valid arguments,
real names with wrong or arbitrary JSON values, unknown keys) and each example runs through the
SDK's in-memory ``Client`` against one server over the sandbox (a tenth of the default volume,
every story planted; no rate limit). Failures are recorded, not raised, so the run goes on:
they are grouped by what broke (for an ``[internal_error]``, the exception and the line of
``truto_log_mcp`` that raised it, from the server's error log) with the shortest example of each.

Target: 0 failures. Run: ``python -m bench.fuzz_soak [--examples N] [--seed S]`` (opt-in in
``python -m bench``: it takes minutes).
"""

from __future__ import annotations

import argparse
import logging
import re
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from bench.common import BenchResult, report, table
from tests.fuzz.harness import FuzzHarness, Outcome
from tests.fuzz.strategies import TOOL_CALLS, TOOLS
from truto_log_mcp.sandbox import Sandbox, SandboxConfig

EXAMPLES = 10_000
SEED = 20261125


class ErrorLog(logging.Handler):
    """Keeps the server's last logged exception (an ``[internal_error]``'s cause), and keeps stderr quiet."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = where_raised(record.exc_info[1])

    def take(self) -> str | None:
        last, self.last = self.last, None
        return last


def where_raised(error: BaseException) -> str:
    """``ExcType at module.py:line`` of the innermost frame in truto_log_mcp (exception groups unwrapped)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if "truto_log_mcp" in frame.filename]
    place = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"


@dataclass(slots=True)
class Failure:
    count: int = 0
    example: Outcome | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Tally:
    examples: int = 0
    upstream_requests: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    per_tool: Counter[str] = field(default_factory=Counter)
    failures: dict[str, Failure] = field(default_factory=dict)

    def add(self, outcome: Outcome, cause: str | None) -> None:
        self.examples += 1
        self.upstream_requests += outcome.upstream_requests
        self.codes[outcome.code] += 1
        self.per_tool[outcome.tool] += 1
        if not outcome.problems:
            return
        key = f"{outcome.tool}: {signature(outcome.problems[0])}" + (f" ({cause})" if cause else "")
        failure = self.failures.setdefault(key, Failure())
        failure.count += 1
        if failure.example is None or len(repr(outcome.arguments)) < len(repr(failure.example.arguments)):
            failure.example, failure.problems = outcome, outcome.problems


def signature(problem: str) -> str:
    """A problem without its particulars (values, params), to group alike failures."""
    problem = re.sub(r"\[\(.*\)\]$", "", problem)
    problem = re.sub(r"'[^']*'|\"[^\"]*\"", "…", problem)
    return re.sub(r"\d+", "N", problem)[:110]


def soak(examples: int, random_seed: int) -> tuple[Tally, float]:
    sandbox = Sandbox(SandboxConfig(rate_limit=None, scale=0.1))
    errors = ErrorLog()
    server_log = logging.getLogger("truto_log_mcp")
    server_log.addHandler(errors)
    server_log.propagate = False  # the tracebacks of failures are summarised, not printed
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # MCPServer sets INFO, where httpx2 logs every request
    tally = Tally()
    started = time.perf_counter()
    try:
        with FuzzHarness(sandbox) as harness:

            @seed(random_seed)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(call=TOOL_CALLS)
            def property_(call: tuple[str, dict[str, Any]]) -> None:
                errors.take()
                outcome = harness.check(*call)
                tally.add(outcome, errors.take() if outcome.code == "internal_error" else None)

            property_()
    finally:
        server_log.removeHandler(errors)
        server_log.propagate = True
    return tally, time.perf_counter() - started


def run(examples: int = EXAMPLES, random_seed: int = SEED) -> BenchResult:
    tally, seconds = soak(examples, random_seed)
    failed = sum(failure.count for failure in tally.failures.values())
    met = failed == 0 and tally.examples >= examples
    rows = [[f"`{code}`", f"{count:,}", f"{count / tally.examples:.1%}"] for code, count in tally.codes.most_common()]
    summary = [
        f"{tally.examples:,} examples (seed {random_seed}) in {seconds:.0f} s "
        f"({seconds / tally.examples * 1000:.1f} ms each), {tally.upstream_requests:,} upstream requests; per tool: "
        + ", ".join(f"`{tool}` {tally.per_tool[tool]:,}" for tool in TOOLS)
        + ". A search that answers is continued once with its cursor and its first ref opened (same checks).",
        f"Failures: **{failed}** in {len(tally.failures)} kind(s).",
    ]
    for key, failure in sorted(tally.failures.items(), key=lambda item: -item[1].count):
        assert failure.example is not None
        summary += [
            f"- {failure.count} x {key}",
            f"  shortest: `{failure.example.tool}` `{failure.example.arguments!r}`"[:400],
            f"  broke: {failure.problems[0][:300]}",
        ]
    return BenchResult(
        title="Fuzz soak (arbitrary arguments to every tool)",
        target=f"0 failures in at least {examples:,} examples",
        met=met,
        table=table(["answer", "examples", "share"], rows),
        summary=summary,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_soak", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=EXAMPLES, help=f"examples in all (default {EXAMPLES:,})")
    parser.add_argument("--seed", type=int, default=SEED, help="hypothesis seed (default: fixed, reproducible)")
    args = parser.parse_args(argv)
    return report(run(args.examples, args.seed))


if __name__ == "__main__":
    raise SystemExit(main())
