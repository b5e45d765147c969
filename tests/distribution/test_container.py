"""The container image as far as it can be checked without a container engine: its instructions,
and its entrypoint and health check run as the image would run them, as processes."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

from tests.http.deployment import READY, Served, start, stop, wait_ready

ROOT = Path(__file__).parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def exec_form(keyword: str) -> list[str]:
    values = [rest for name, rest in instructions() if name == keyword]
    assert values, f"no {keyword}"
    parsed = json.loads(values[-1].split("CMD", 1)[-1].strip() if keyword == "HEALTHCHECK" else values[-1])
    assert isinstance(parsed, list)
    return [str(part) for part in parsed]


def test_the_image_is_built_in_stages_and_runs_as_an_unprivileged_user() -> None:
    stages = [rest for name, rest in instructions() if name == "FROM"]
    users = [rest for name, rest in instructions() if name == "USER"]
    assert len(stages) >= 2 and " AS " in stages[0].upper()
    assert users and users[-1] not in ("root", "0")


def test_the_default_command_serves_http_on_the_exposed_port() -> None:
    command = exec_form("ENTRYPOINT") + exec_form("CMD")
    exposed = [rest for name, rest in instructions() if name == "EXPOSE"]
    assert command[:4] == ["truto-log-mcp", "serve", "--transport", "http"]
    assert command[command.index("--port") + 1] in exposed


def test_the_entrypoint_serves_and_the_health_check_passes(tmp_path: Path) -> None:
    """The image's command as a process (on 127.0.0.1 and a free port instead of 0.0.0.0:8000: tests
    listen on loopback only), configured as docs/install.md says, then the image's own health check."""
    command = exec_form("ENTRYPOINT") + exec_form("CMD")
    args = command[2:]  # after `truto-log-mcp serve`, which `start` runs as `python -m truto_log_mcp serve`
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = "0"
    env = {
        "TRUTO_MCP_BEARER_TOKEN": secrets.token_urlsafe(32),
        "TRUTO_MCP_ALLOWED_HOSTS": "logs.example.test",
        "TRUTO_API_TOKEN": "tk_container_test",
    }
    served: Served = wait_ready(start([a for a in args if a not in ("--transport", "http")], env, tmp_path))
    try:
        assert READY.search(served.stderr())
        health = exec_form("HEALTHCHECK")
        assert health[0] == "python"
        probe = [sys.executable, *health[1:-1], health[-1].replace("http://127.0.0.1:8000", served.base)]
        assert subprocess.run(probe, timeout=10, check=False).returncode == 0
    finally:
        stop(served)
