"""compose.yaml and its nginx configuration, as far as they can be checked without a container engine."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
REPLICAS = ["replica-1", "replica-2"]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_two_replicas_redis_and_a_proxy() -> None:
    assert set(compose()["services"]) == {"redis", "proxy", *REPLICAS}


@pytest.mark.parametrize("name", REPLICAS)
def test_each_replica_is_the_project_s_image_serving_http_statelessly_on_the_shared_redis(name: str) -> None:
    replica = compose()["services"][name]
    assert replica["build"] == "." and (ROOT / "Dockerfile").exists()
    assert replica["command"][:3] == ["serve", "--transport", "http"] and "--stateless" in replica["command"]
    assert replica["environment"]["TRUTO_STATE_URL"] == "redis://redis:6379/0"
    assert ":?" in replica["environment"]["TRUTO_MCP_BEARER_TOKEN"]  # compose refuses to start without one
    assert replica["depends_on"]["redis"]["condition"] == "service_healthy"


def test_redis_keeps_nothing_on_disk() -> None:
    command = compose()["services"]["redis"]["command"]
    assert command[:5] == ["redis-server", "--save", "", "--appendonly", "no"]


def nginx_conf() -> str:
    proxy = compose()["services"]["proxy"]
    mounted = [volume.split(":")[0] for volume in proxy["volumes"]]
    assert mounted == ["./deploy/nginx.conf"]
    return (ROOT / "deploy" / "nginx.conf").read_text()


def test_the_proxy_balances_over_exactly_the_replicas_on_their_port_unbuffered() -> None:
    text = nginx_conf()
    port = compose()["services"][REPLICAS[0]]["command"][-2]
    assert re.findall(r"server (\S+):(\d+)", text) == [(name, port) for name in REPLICAS]
    assert "proxy_buffering off;" in text
    assert compose()["services"]["proxy"]["ports"] == ["8000:8000"]


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.skip("nginx is not installed (optional: apt-get install nginx-light)")
    # nginx resolves upstream names on load: the compose service names become loopback here.
    text = nginx_conf().replace("replica-1", "127.0.0.1").replace("replica-2", "127.0.0.1")
    text = text.replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    (tmp_path / "nginx.conf").write_text(text)
    checked = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
