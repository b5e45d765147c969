"""The Claude Desktop bundle's manifest and staging (CI also validates and packs it with the official
mcpb CLI and starts the packed bundle's server: .ci/packaging.sh)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from distribution.build_bundle import ROOT, host_command, manifest, stage
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings


def test_the_bundle_version_is_the_project_s() -> None:
    assert manifest()["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.anyio
async def test_the_declared_tools_are_the_server_s() -> None:
    listed = await build_server(Settings()).list_tools()
    declared = {tool["name"]: tool["description"] for tool in manifest()["tools"]}
    assert declared == {tool.name: (tool.description or "").splitlines()[0] for tool in listed}


def test_the_server_is_started_by_uv_from_the_bundle_folder_with_the_user_s_settings() -> None:
    command, env = host_command(Path("/bundle"), {"truto_api_token": "tk_x", "truto_base_url": "https://b.example"})
    assert command == ["uv", "run", "--directory", "/bundle", "--no-dev", "/bundle/server/main.py", "serve"]
    assert env == {"TRUTO_API_TOKEN": "tk_x", "TRUTO_BASE_URL": "https://b.example"}


def test_the_token_is_asked_for_as_a_secret_and_every_setting_is_a_real_variable() -> None:
    config = manifest()["user_config"]
    assert config["truto_api_token"]["sensitive"] is True and config["truto_api_token"]["required"] is True
    variables = manifest()["server"]["mcp_config"]["env"]
    assert set(variables) <= {f"TRUTO_{name.upper()}" for name in Settings.model_fields}
    assert {value.removeprefix("${user_config.").removesuffix("}") for value in variables.values()} == set(config)


def test_the_staged_bundle_carries_the_project_and_no_caches(tmp_path: Path) -> None:
    staged = stage(tmp_path / "bundle")
    assert (staged / "manifest.json").exists() and (staged / "server" / "main.py").exists()
    assert (staged / "pyproject.toml").exists() and (staged / "truto_log_mcp" / "server.py").exists()
    assert not list(staged.rglob("__pycache__"))
