"""``truto-log-mcp install claude-desktop|claude-code|cursor``: add this server to a client's configuration.

Why a command: Claude Desktop and Cursor start servers without the shell's ``PATH``, so a bare
``truto-log-mcp`` in their config fails with "command not found"; the command to write is the
absolute path of the one running now (or ``uvx truto-log-mcp`` when it runs from uv's temporary
environment, which uv may delete). The client's file is merged, never replaced: other servers and
keys stay as they are, the change is shown as a diff, and a file that is not valid JSON is left
alone. The token is never written by this command: the entry carries a placeholder to replace
(``--demo`` adds the sandbox variant, which needs none).
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

SERVER_NAME: Final = "truto-logs"
DEMO_SERVER_NAME: Final = "truto-logs-demo"
TOKEN_PLACEHOLDER: Final = "<your Truto API token>"
CLIENTS: Final = ("claude-desktop", "claude-code", "cursor")


class InstallError(Exception):
    """The configuration cannot be written as asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Launch:
    """How a client starts this server: a command and its arguments (``serve`` or ``serve --demo`` last)."""

    command: str
    args: tuple[str, ...]


def launch_command(
    argv0: str, executable: str, prefix: str, demo: bool = False, cache_dir: str | None = None
) -> Launch:
    """The command of the running installation, absolute: a console script, ``python -m truto_log_mcp``, or uvx."""
    serve = ("serve", "--demo") if demo else ("serve",)
    if _in_uv_cache(prefix, cache_dir):
        uvx = shutil.which("uvx")
        return Launch(uvx or "uvx", ("truto-log-mcp", *serve))
    script = Path(argv0)
    if script.name in ("truto-log-mcp", "truto-log-mcp.exe") and script.exists():
        return Launch(str(script.absolute()), serve)
    # Not resolved: a virtualenv's python is a symlink, and resolving it would leave the virtualenv.
    return Launch(str(Path(executable).absolute()), ("-m", "truto_log_mcp", *serve))


def _in_uv_cache(prefix: str, cache_dir: str | None) -> bool:
    """uvx runs tools from environments in uv's cache (``archive-v*``/``builds-v*``), which it may prune."""
    parts = Path(prefix).parts
    if cache_dir and Path(prefix).is_relative_to(cache_dir):
        return True
    return "uv" in parts and any(part.startswith(("archive-v", "builds-v")) for part in parts)


def config_path(client: str, platform: str, home: Path, environ: Mapping[str, str]) -> Path:
    """Where the client reads its MCP servers (Claude Desktop: per OS; Cursor: the user's global file)."""
    if client == "cursor":
        return home / ".cursor" / "mcp.json"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if platform.startswith("win"):
        appdata = environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "Claude" / "claude_desktop_config.json"
    config_home = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config_home) / "Claude" / "claude_desktop_config.json"


def server_entry(launch: Launch, demo: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": launch.command, "args": list(launch.args)}
    if not demo:
        entry["env"] = {"TRUTO_API_TOKEN": TOKEN_PLACEHOLDER}
    return entry


def merged(existing: str | None, name: str, entry: Mapping[str, Any]) -> str:
    """The client's JSON with ``mcpServers[name]`` set to ``entry``; everything else kept as it was."""
    document: Any = {}
    if existing is not None and existing.strip():
        try:
            document = json.loads(existing)
        except json.JSONDecodeError as error:
            raise InstallError(f"it is not valid JSON ({error.msg}, line {error.lineno}); fix it first") from error
    if not isinstance(document, dict):
        raise InstallError("its top level is not a JSON object; fix it first")
    servers = document.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise InstallError('its "mcpServers" is not a JSON object; fix it first')
    updated = dict(entry)
    previous = servers.get(name)
    if isinstance(previous, dict) and isinstance(previous.get("env"), dict):
        # Installing again (a new path, an upgrade) keeps what the user set there: the real token above all.
        updated["env"] = {**updated.get("env", {}), **previous["env"]}
    servers[name] = updated
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def masked(text: str | None) -> str | None:
    """The configuration with every ``env`` value but the placeholder hidden: the diff is printed, secrets are not."""
    if text is None or not text.strip():
        return text
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    servers = document.get("mcpServers") if isinstance(document, dict) else None
    for server in servers.values() if isinstance(servers, dict) else ():
        env = server.get("env") if isinstance(server, dict) else None
        if isinstance(env, dict):
            server["env"] = {key: value if value == TOKEN_PLACEHOLDER else "***" for key, value in env.items()}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def diff(before: str | None, after: str, path: Path) -> str:
    lines = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{path} (before)" if before is not None else "/dev/null",
        tofile=str(path),
    )
    return "".join(lines)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` whole or not at all, keeping its permissions (a new file is readable by its owner only:
    client configurations hold secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.truto-log-mcp.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    if path.exists():
        shutil.copymode(path, temporary)
    os.replace(temporary, path)


def claude_code_command(launch: Launch, demo: bool) -> list[str]:
    name = DEMO_SERVER_NAME if demo else SERVER_NAME
    env = [] if demo else ["--env", f"TRUTO_API_TOKEN={TOKEN_PLACEHOLDER}"]
    return ["claude", "mcp", "add", name, "--scope", "user", *env, "--", launch.command, *launch.args]


def install(
    client: str,
    *,
    demo: bool,
    print_only: bool,
    out: TextIO,
    launch: Launch | None = None,
    home: Path | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    find_claude: Callable[[], str | None] = lambda: shutil.which("claude"),
) -> int:
    """Write (or with ``print_only`` just show) the client's configuration; 0 when done, 1 when refused."""
    environ = os.environ if environ is None else environ
    launch = launch or launch_command(
        sys.argv[0], sys.executable, sys.prefix, demo=demo, cache_dir=environ.get("UV_CACHE_DIR")
    )
    if client == "claude-code":
        return _install_claude_code(launch, demo, print_only, out, find_claude())
    path = config_path(client, platform or sys.platform, home or Path.home(), environ)
    name = DEMO_SERVER_NAME if demo else SERVER_NAME
    entry = server_entry(launch, demo)
    if print_only:
        out.write(f'# add to {path}, under "mcpServers":\n')
        out.write(json.dumps({name: entry}, indent=2) + "\n")
        return 0
    before = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        after = merged(before, name, entry)
    except InstallError as error:
        out.write(f"truto-log-mcp: did not change {path}: {error}.\n")
        return 1
    if after == before:
        out.write(f"{path} already has this entry; nothing to change.\n")
        return 0
    write_atomically(path, after)
    out.write(diff(masked(before), masked(after) or after, path))
    out.write(f"Wrote {path}.\n")
    if not demo:
        out.write(f'Next: replace "{TOKEN_PLACEHOLDER}" there with your Truto API token, then restart the client.\n')
    else:
        out.write("Next: restart the client.\n")
    return 0


def _install_claude_code(launch: Launch, demo: bool, print_only: bool, out: TextIO, claude: str | None) -> int:
    command = claude_code_command(launch, demo)
    shown = shlex.join(command)
    if print_only or claude is None:
        if claude is None and not print_only:
            out.write("The `claude` command is not on PATH; run this where Claude Code is installed:\n")
        out.write(shown + "\n")
        if not demo:
            out.write(f'(replace "{TOKEN_PLACEHOLDER}" with your Truto API token first)\n')
        return 0
    out.write(f"Running: {shown}\n")
    completed = subprocess.run([claude, *command[1:]], check=False)
    if completed.returncode != 0:
        out.write(f"truto-log-mcp: `claude mcp add` exited {completed.returncode}.\n")
        return 1
    if not demo:
        out.write(
            f'Next: replace "{TOKEN_PLACEHOLDER}" with your Truto API token in Claude Code\'s configuration '
            f'(~/.claude.json, "mcpServers" > "{SERVER_NAME}" > "env").\n'
        )
    return 0
