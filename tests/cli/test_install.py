"""``install``: the client's configuration gets this server with an absolute command, merged, never clobbered."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from truto_log_mcp.cli.install import (
    TOKEN_PLACEHOLDER,
    Launch,
    claude_code_command,
    config_path,
    install,
    launch_command,
)

LAUNCH = Launch("/opt/venv/bin/truto-log-mcp", ("serve",))


def run(
    client: str, home: Path, *, demo: bool = False, print_only: bool = False, claude: str | None = None
) -> tuple[int, str]:
    """``install`` on Linux with ``home`` as the home folder; ``claude`` is the Claude Code CLI (None: absent)."""
    out = io.StringIO()
    code = install(
        client,
        demo=demo,
        print_only=print_only,
        out=out,
        launch=LAUNCH,
        home=home,
        environ={},
        platform="linux",
        find_claude=lambda: claude,
    )
    return code, out.getvalue()


def desktop_config(home: Path) -> Path:
    return home / ".config" / "Claude" / "claude_desktop_config.json"


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {}, "home/.config/Claude/claude_desktop_config.json"),
        ("linux", {"XDG_CONFIG_HOME": "/xdg"}, "/xdg/Claude/claude_desktop_config.json"),
        ("darwin", {}, "home/Library/Application Support/Claude/claude_desktop_config.json"),
        ("win32", {"APPDATA": "/appdata"}, "/appdata/Claude/claude_desktop_config.json"),
    ],
)
def test_claude_desktop_s_file_is_found_per_os(platform: str, environ: dict[str, str], expected: str) -> None:
    assert config_path("claude-desktop", platform, Path("home"), environ) == Path(expected)


def test_cursor_s_file_is_the_user_s_global_one() -> None:
    assert config_path("cursor", "linux", Path("home"), {}) == Path("home/.cursor/mcp.json")


def test_a_new_file_gets_the_server_with_an_absolute_command_and_the_token_placeholder(tmp_path: Path) -> None:
    code, said = run("claude-desktop", tmp_path)
    written = json.loads(desktop_config(tmp_path).read_text())
    assert code == 0
    assert written == {
        "mcpServers": {
            "truto-logs": {"command": LAUNCH.command, "args": ["serve"], "env": {"TRUTO_API_TOKEN": TOKEN_PLACEHOLDER}}
        }
    }
    assert "+++" in said and "replace" in said


def test_other_servers_and_keys_are_kept(tmp_path: Path) -> None:
    path = desktop_config(tmp_path)
    path.parent.mkdir(parents=True)
    other = {"command": "/usr/bin/other", "args": ["x"]}
    path.write_text(json.dumps({"globalShortcut": "Ctrl+Space", "mcpServers": {"other": other}}))
    run("claude-desktop", tmp_path)
    written = json.loads(path.read_text())
    assert written["globalShortcut"] == "Ctrl+Space"
    assert written["mcpServers"]["other"] == other
    assert written["mcpServers"]["truto-logs"]["command"] == LAUNCH.command


def test_the_demo_variant_needs_no_token(tmp_path: Path) -> None:
    run("cursor", tmp_path, demo=True)
    entry = json.loads((tmp_path / ".cursor" / "mcp.json").read_text())["mcpServers"]["truto-logs-demo"]
    assert entry == {"command": LAUNCH.command, "args": ["serve"]}


def test_a_file_that_is_not_json_is_left_alone(tmp_path: Path) -> None:
    path = desktop_config(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{ this is not json")
    code, said = run("claude-desktop", tmp_path)
    assert code == 1
    assert path.read_text() == "{ this is not json"
    assert "not valid JSON" in said


def test_installing_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    run("claude-desktop", tmp_path)
    before = desktop_config(tmp_path).read_text()
    code, said = run("claude-desktop", tmp_path)
    assert code == 0 and "nothing to change" in said
    assert desktop_config(tmp_path).read_text() == before


def test_print_writes_nothing(tmp_path: Path) -> None:
    code, said = run("claude-desktop", tmp_path, print_only=True)
    assert code == 0
    assert not desktop_config(tmp_path).exists()
    assert json.loads(said.split("\n", 1)[1])["truto-logs"]["command"] == LAUNCH.command


def test_claude_code_without_its_cli_prints_the_command(tmp_path: Path) -> None:
    code, said = run("claude-code", tmp_path)
    assert code == 0
    assert "claude mcp add truto-logs --scope user" in said and f"-- {LAUNCH.command} serve" in said


def test_claude_code_s_cli_is_run_when_present(tmp_path: Path) -> None:
    fake = tmp_path / "claude"
    record = tmp_path / "argv"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(0o755)
    code, _ = run("claude-code", tmp_path, claude=str(fake))
    assert code == 0
    assert record.read_text().splitlines() == claude_code_command(LAUNCH, demo=False)[1:]


def test_the_running_console_script_is_the_command(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "truto-log-mcp"
    script.parent.mkdir()
    script.write_text("")
    assert launch_command(str(script), sys.executable, sys.prefix) == Launch(str(script), ("serve",))


def test_python_m_keeps_the_virtualenv_s_interpreter_unresolved(tmp_path: Path) -> None:
    link = tmp_path / "venv" / "bin" / "python"
    link.parent.mkdir(parents=True)
    link.symlink_to(sys.executable)
    launch = launch_command("/x/__main__.py", str(link), sys.prefix, demo=True)
    assert launch == Launch(str(link), ("-m", "truto_log_mcp", "serve", "--demo"))


def test_uv_s_temporary_environment_becomes_uvx() -> None:
    launch = launch_command("/c/uv/archive-v0/abc/bin/truto-log-mcp", "/py", "/home/u/.cache/uv/archive-v0/abc")
    assert Path(launch.command).name == "uvx"
    assert launch.args == ("truto-log-mcp", "serve")


def test_install_print_from_the_command_line_names_a_command_that_exists() -> None:
    """The installed console script, as a user runs it: the command it prints is an existing file."""
    script = Path(sys.executable).with_name("truto-log-mcp")
    assert script.exists(), "run the tests from the project's virtualenv"
    env = {**os.environ, "HOME": "/nonexistent"}
    printed = subprocess.run(
        [str(script), "install", "claude-desktop", "--print"], capture_output=True, text=True, check=True, env=env
    ).stdout
    entry = json.loads(printed.split("\n", 1)[1])["truto-logs"]
    assert Path(entry["command"]).is_absolute() and Path(entry["command"]).exists()


def test_installing_again_keeps_the_token_the_user_set_and_never_prints_it(tmp_path: Path) -> None:
    run("claude-desktop", tmp_path)
    path = desktop_config(tmp_path)
    path.write_text(path.read_text().replace(TOKEN_PLACEHOLDER, "tk_real_secret_value"))
    code, said = run("claude-desktop", tmp_path, demo=True)
    code_again, said_again = run("claude-desktop", tmp_path)
    written = json.loads(path.read_text())
    assert code == code_again == 0
    assert written["mcpServers"]["truto-logs"]["env"] == {"TRUTO_API_TOKEN": "tk_real_secret_value"}
    assert "tk_real_secret_value" not in said + said_again


def test_the_file_keeps_its_permissions_and_a_new_one_is_private(tmp_path: Path) -> None:
    run("claude-desktop", tmp_path)
    path = desktop_config(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)
    run("claude-desktop", tmp_path, demo=True)
    assert path.stat().st_mode & 0o777 == 0o640
