"""Refusing to expose the server: bind addresses, bearer tokens, allowed hosts and origins, flags on stdio."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from tests.http.deployment import BEARER
from truto_log_mcp.cli import main as cli_main
from truto_log_mcp.deployment import HttpOptions, check_deployment, is_loopback, security_settings


def test_non_loopback_bind_without_a_bearer_token_exits_2() -> None:
    for host in ("0.0.0.0", "10.1.2.3"):
        finished = subprocess.run(
            [sys.executable, "-m", "truto_log_mcp", "serve", "--transport", "http", "--host", host, "--multi-user"],
            env={"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            timeout=30,
        )
        assert finished.returncode == 2
        assert finished.stdout == b""
        message = finished.stderr.decode()
        assert "needs authentication" in message and "TRUTO_MCP_BEARER_TOKEN" in message
        assert "--multi-user alone does not count" in message


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["--host", "0.0.0.0"], {"TRUTO_MCP_BEARER_TOKEN": BEARER}, "TRUTO_MCP_ALLOWED_HOSTS"),
        (["--host", "::"], {"TRUTO_MCP_BEARER_TOKEN": BEARER}, "without allowed host names"),
        ([], {"TRUTO_MCP_BEARER_TOKEN": "short"}, "too short"),
        (["--host", "localhost"], {"TRUTO_MCP_BEARER_TOKEN": " " * 40 + "x"}, "too short"),
        ([], {"TRUTO_MCP_BEARER_TOKEN": "a" * 32}, "guessable"),
        ([], {"TRUTO_MCP_BEARER_TOKEN": "ab" * 20}, "guessable"),
        ([], {"TRUTO_MCP_BEARER_TOKEN": "team-password-123" * 2}, "guessable"),
        ([], {"TRUTO_MCP_BEARER_TOKEN": "0000000000000000000000000000000000000001"}, "guessable"),
    ],
)
def test_exposing_configurations_are_refused(
    argv: list[str], env: dict[str, str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli_main(["serve", "--transport", "http", "--port", "0", *argv]) == 2
    error = capsys.readouterr().err
    assert says in error
    assert BEARER not in error


@pytest.mark.parametrize(
    ("generate", "size"), [(secrets.token_hex, 16), (secrets.token_urlsafe, 24), (secrets.token_urlsafe, 32)]
)
def test_random_bearer_tokens_are_accepted(generate: Callable[[int], str], size: int) -> None:
    # token_hex(16), 32 hex digits (openssl rand -hex 16): the fewest bits a random token of the accepted length has
    for _ in range(500):
        assert check_deployment(HttpOptions(bearer_token=SecretStr(generate(size)))) == []


def test_http_flags_are_refused_on_stdio(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--multi-user", "--stateless"]) == 2
    assert "--multi-user, --stateless needs --transport http" in capsys.readouterr().err


def test_allowed_hosts_and_origins() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.8.0.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5") and not is_loopback("logs.example.com")
    loopback = security_settings(HttpOptions())
    assert loopback.enable_dns_rebinding_protection
    assert "127.0.0.1:*" in loopback.allowed_hosts and "http://localhost:*" in loopback.allowed_origins
    team = security_settings(
        HttpOptions(
            host="10.0.0.5",
            allowed_hosts=("logs.example.com", "proxy.internal:8443"),
            allowed_origins=("https://logs.example.com",),
        )
    )
    assert {"10.0.0.5", "10.0.0.5:*", "logs.example.com", "logs.example.com:*", "proxy.internal:8443"} <= set(
        team.allowed_hosts
    )
    assert "proxy.internal:*" not in team.allowed_hosts
    assert "https://logs.example.com" in team.allowed_origins
