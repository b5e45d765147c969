"""The command line, in process: `call` (exit codes, --json, --demo, --redact) and the parser."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import SecretStr

from tests.tools.hostile import RUN_ID, hostile_rows, table_problems, unshown_characters
from tests.tools.scenario import NOW
from truto_log_mcp.cli.main import build_parser, call_tool, main
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, SandboxConfig, serving
from truto_log_mcp.settings import Settings

IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def test_call_prints_the_text_answer_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["call", "--demo", "search_logs", '{"log_type": "webhook", "limit": 2}']) == 0
    assert capsys.readouterr().out.startswith("webhook: 2 rows")


def test_call_json_prints_the_structured_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["call", "--demo", "--json", "describe_log_types"]) == 0
    assert len(json.loads(capsys.readouterr().out)["log_types"]) == 5


def test_call_exits_1_when_the_tool_answers_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["call", "--demo", "search_logs", '{"log_type": "nope"}']) == 1
    assert capsys.readouterr().out.startswith("[invalid_argument]")


def test_call_exits_2_on_arguments_that_are_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["call", "--demo", "search_logs", "{log_type: webhook}"]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_call_with_redact_shows_no_ip_address(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = '{"log_type": "unified_proxy_api", "limit": 5, "fields": ["http_ip", "message"]}'
    assert main(["call", "--demo", "--redact", "search_logs", arguments]) == 0
    out = capsys.readouterr().out
    assert "<ip>" in out
    assert not IP.search(out)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("summarize_errors", {"log_type": "webhook", "group_by": ["event", "queue", "status"]}),
        ("log_stats", {"log_type": "mcp", "group_by": ["tool_name"], "bucket": "1h"}),
        ("search_logs", {"log_type": "rapid_bridge"}),
        ("trace_sync_run", {"sync_job_run_id": RUN_ID}),
    ],
)
async def test_call_writes_no_control_sequence_or_forged_line_of_a_row_to_the_terminal(
    capsys: pytest.CaptureFixture[str], tool: str, arguments: dict[str, object]
) -> None:
    sandbox = Sandbox(SandboxConfig(now=NOW, generate=False, extra_rows=hostile_rows(NOW), rate_limit=None))
    async with serving(sandbox) as base_url:
        settings = Settings(api_token=SecretStr(SANDBOX_TOKEN), base_url=base_url)
        assert await call_tool(settings, tool, json.dumps(arguments), demo=False, as_json=False) == 0
    out = capsys.readouterr().out
    assert "fake row" in out
    assert not unshown_characters(out, lines=True)
    assert not table_problems(out)


def test_call_writes_no_control_sequence_that_an_error_echoes(capsys: pytest.CaptureFixture[str]) -> None:
    # The server's errors quote arguments; whoever built them, the terminal must not obey them.
    assert main(["call", "--demo", "\x1b]0;pwned\x07search_logs", "{}"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("[invalid_argument]")
    assert not unshown_characters(out, lines=True)


def test_serve_is_the_default_command_over_stdio() -> None:
    arguments = build_parser().parse_args([])
    assert arguments.command is None
    serve = build_parser().parse_args(["serve"])
    assert (serve.transport, serve.host, serve.port) == ("stdio", "127.0.0.1", 8000)
