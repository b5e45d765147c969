"""The command line, in process: `call` (exit codes, --json, --demo, --redact) and the parser."""

from __future__ import annotations

import json
import re

import pytest

from truto_log_mcp.cli.main import build_parser, main

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


def test_serve_is_the_default_command_over_stdio() -> None:
    arguments = build_parser().parse_args([])
    assert arguments.command is None
    serve = build_parser().parse_args(["serve"])
    assert (serve.transport, serve.host, serve.port) == ("stdio", "127.0.0.1", 8000)
