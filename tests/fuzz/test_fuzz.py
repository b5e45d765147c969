"""Property tests: every tool, driven through the SDK's in-memory Client with arbitrary JSON
arguments, answers a valid result or a caller error, and never sends the upstream a request that
breaks its rules (strategies, oracle and harness in this package; the soak in
``bench/fuzz_soak.py`` runs the same property at 10,000 examples).

The second half pins inputs the fuzzer found that once broke the property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import FuzzHarness, describe_failure
from tests.fuzz.strategies import TOOLS, arguments_for
from truto_log_mcp.sandbox import Sandbox, SandboxConfig

EXAMPLES_PER_TOOL = 40

CI = settings(
    max_examples=EXAMPLES_PER_TOOL,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def fuzz_sandbox() -> Sandbox:
    """A small dataset (a tenth of the default volume, every story planted): analyses stay fast."""
    return Sandbox(SandboxConfig(rate_limit=None, scale=0.1))


@pytest.fixture
def harness(fuzz_sandbox: Sandbox) -> Iterator[FuzzHarness]:
    with FuzzHarness(fuzz_sandbox) as running:
        yield running


@pytest.mark.parametrize("tool", TOOLS)
@CI
@given(data=st.data())
def test_any_arguments_answer_a_result_or_a_caller_error_and_keep_the_upstream_rules(
    harness: FuzzHarness, tool: str, data: st.DataObject
) -> None:
    arguments = data.draw(arguments_for(tool), label="arguments")
    outcome = harness.check(tool, arguments)
    event(f"answered {outcome.code}")
    event("read the upstream" if outcome.upstream_requests else "no upstream request")
    assert not outcome.problems, describe_failure(outcome)


FOUND_BY_FUZZING: list[tuple[str, dict[str, Any]]] = [
    # Instants and durations past the ends of the calendar: OverflowError/ValueError in timeparse, the scanner
    # and the sandbox, answered [internal_error] (bench/fuzz_soak.py finds them among 10,000 examples).
    ("search_logs", {"log_type": "mcp", "since": "999999w"}),
    ("search_logs", {"log_type": "mcp", "start": "-999999w"}),
    ("search_logs", {"log_type": "mcp", "start": "0001-01-01T00:00:00+01:00"}),
    ("search_logs", {"log_type": "mcp", "start": "9999-12-31T23:00:00", "end": "9999-12-31T23:59:59-01:00"}),
    ("summarize_errors", {"since": "999999w"}),
    ("summarize_errors", {"start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"}),
    ("log_stats", {"log_type": "mcp", "start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"}),
    ("search_logs", {"log_type": "webhook", "start": "9999-12-31T00:00:00Z", "end": "9999-12-31T23:59:59Z"}),
    ("trace_sync_run", {"sync_job_run_id": "4304f3a7-ad54-450b-9bfc-5266b95409d4", "start": "-999999w"}),
    ("trace_sync_run", {"sync_job_run_id": "00000000-0000-4000-8000-000000000000", "since": "999999w"}),
]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    FOUND_BY_FUZZING,
    ids=[
        tool + "-" + ",".join(f"{k}={v}" for k, v in args.items() if k not in ("log_type", "sync_job_run_id"))
        for tool, args in FOUND_BY_FUZZING
    ],
)
def test_instants_at_the_ends_of_the_calendar_are_refused_as_invalid_arguments(
    harness: FuzzHarness, tool: str, arguments: dict[str, Any]
) -> None:
    outcome = harness.check(tool, arguments)
    assert outcome.code == "invalid_argument", describe_failure(outcome)
    assert not outcome.problems, describe_failure(outcome)
