"""Build the Claude Desktop bundle (``.mcpb``) with the official ``mcpb`` CLI, and check it as a host would.

    python -m distribution.build_bundle --mcpb PATH/TO/mcpb [--out dist] [--check]

The bundle is of the manifest's ``uv`` server type: it carries this project's source and
``pyproject.toml`` but no dependencies (pydantic and others are compiled per platform); the host
installs them with uv on first start. Steps: stage ``distribution/mcpb/`` (manifest, entry point,
ignore file) with ``pyproject.toml``, ``README.md``, ``LICENSE`` and ``truto_log_mcp/``; ``mcpb
validate`` the manifest; ``mcpb pack`` it. ``--check`` then unpacks the bundle into a fresh folder
and starts its server entry the way the manifest tells a host to (``uv run --directory ...``,
with the user's settings as environment), through the MCP Python SDK's stdio client, until the
server answers ``initialize`` and lists the tools the manifest declares.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUNDLE_SOURCE = ROOT / "distribution" / "mcpb"
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")


def manifest() -> dict[str, Any]:
    loaded = json.loads((BUNDLE_SOURCE / "manifest.json").read_text())
    assert isinstance(loaded, dict)
    return loaded


def stage(into: Path) -> Path:
    """The bundle's tree: the manifest folder plus the project's source, without caches."""
    shutil.copytree(BUNDLE_SOURCE, into, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, into / name)
    shutil.copytree(ROOT / "truto_log_mcp", into / "truto_log_mcp", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def build(mcpb: str, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    bundle = out / f"truto-log-mcp-{manifest()['version']}.mcpb"
    with tempfile.TemporaryDirectory() as work:
        staged = stage(Path(work) / "truto-log-mcp")
        subprocess.run([mcpb, "validate", str(staged / "manifest.json")], check=True)
        subprocess.run([mcpb, "pack", str(staged), str(bundle)], check=True)
    return bundle


def host_command(unpacked: Path, user_config: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The manifest's ``mcp_config`` with ``${__dirname}`` and ``${user_config.*}`` substituted, as a host does."""
    config = manifest()["server"]["mcp_config"]

    def substitute(text: str) -> str:
        text = text.replace("${__dirname}", str(unpacked))
        for key, value in user_config.items():
            text = text.replace(f"${{user_config.{key}}}", value)
        return text

    command = [substitute(part) for part in [config["command"], *config.get("args", [])]]
    env = {key: substitute(value) for key, value in config.get("env", {}).items()}
    return command, env


async def initialize(command: list[str], env: dict[str, str]) -> tuple[str, list[str]]:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    parameters = StdioServerParameters(command=command[0], args=command[1:], env=env)
    async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
        answer = await session.initialize()
        tools = await session.list_tools()
    return answer.server_info.name, [tool.name for tool in tools.tools]


def check(bundle: Path) -> None:
    import anyio

    declared = [tool["name"] for tool in manifest()["tools"]]
    with tempfile.TemporaryDirectory() as work:
        unpacked = Path(work) / "unpacked"
        with zipfile.ZipFile(bundle) as archive:
            archive.extractall(unpacked)
        command, env = host_command(unpacked, {"truto_api_token": "", "truto_base_url": "https://api.truto.one"})
        command[0] = shutil.which(command[0]) or command[0]
        # As a host does: its own environment (proxy, certificates, uv's settings) plus the manifest's.
        # No Python downloads: uv must use an installed interpreter (only package registries are reachable here).
        env = {**os.environ, **env}
        env.setdefault("UV_PYTHON_DOWNLOADS", "never")
        started = time.monotonic()
        name, tools = anyio.run(initialize, [*command, "--demo"], env)
        print(
            f"bundle: {bundle.name} started by `{' '.join(command[:2])} ...`: initialize answered by {name!r} "
            f"in {time.monotonic() - started:.1f} s (dependencies installed by uv on first start), "
            f"tools {', '.join(tools)}"
        )
        if tools != declared:
            raise SystemExit(f"bundle: the server lists {tools}, the manifest declares {declared}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m distribution.build_bundle", description=__doc__.splitlines()[0])
    parser.add_argument("--mcpb", required=True, help="the official mcpb CLI (npm @anthropic-ai/mcpb)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--check", action="store_true", help="unpack and start the bundle's server as a host would")
    args = parser.parse_args(argv)
    bundle = build(args.mcpb, args.out)
    print(f"bundle: built {bundle} ({bundle.stat().st_size / 1024:.0f} KiB)")
    if args.check:
        check(bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
