"""The upstream and the servers, started once for every module of this folder (as they were for one module):
``test_logs`` then reads what the team server logged through all of them."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http.deployment import BEARER, Servers, Truto, serve_in_thread, start, stop, wait_ready
from truto_log_mcp.sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="package")
def truto() -> Iterator[Truto]:
    upstream = Truto(Sandbox(SandboxConfig(rate_limit=None)))
    with serve_in_thread(upstream) as url:
        upstream.url = url
        yield upstream


@pytest.fixture(scope="package")
def servers(truto: Truto) -> Iterator[Servers]:
    with tempfile.TemporaryDirectory() as directory:
        logs = Path(directory)
        team_env = {
            "TRUTO_MCP_BEARER_TOKEN": BEARER,
            "TRUTO_BASE_URL": truto.url,
            "TRUTO_LOG_LEVEL": "DEBUG",
            "TRUTO_MAX_ATTEMPTS": "1",
            "TRUTO_MCP_ALLOWED_HOSTS": "logs.example.com",
            "TRUTO_MAX_SCANS_PER_PRINCIPAL": "2",
        }
        started = [
            start(["--multi-user", "--allowed-host", "proxy.example.com:443"], team_env, logs),
            start(["--demo"], {"TRUTO_MCP_MAX_SESSIONS": "2"}, logs),
            start(["--demo", "--multi-user"], {"TRUTO_MCP_MAX_SESSIONS_PER_PRINCIPAL": "2"}, logs),
            start(["--demo", "--stateless"], {}, logs),
            start(["--demo", "--stateless"], {}, logs),
        ]
        try:
            team, limits, sessions, *replicas = (wait_ready(served) for served in started)
            yield Servers(team, limits, sessions, replicas, logs)
        finally:
            for served in started:
                stop(served)
