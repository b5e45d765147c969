"""Command line: ``serve`` (default), ``demo``, ``sandbox`` and ``call``.

``main()`` builds the one ``Settings`` object from the environment and passes it down. Heavy
imports (the sandbox, uvicorn) happen inside the command that needs them, so that ``serve``
over stdio starts as fast as a minimal MCP server.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import ValidationError

from truto_log_mcp.cli.launch import demo_moment, make_server
from truto_log_mcp.settings import Settings
from truto_log_mcp.settings_help import configuration_problems
from truto_log_mcp.version import __version__

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truto-log-mcp", description="MCP server for Truto's logs (GET /log). Default command: serve."
    )
    parser.add_argument("--version", action="version", version=f"truto-log-mcp {__version__}")
    commands = parser.add_subparsers(dest="command")
    privacy = argparse.ArgumentParser(add_help=False)
    privacy.add_argument(
        "--redact", action="store_true", help="replace IP and e-mail addresses in rows (also TRUTO_REDACT=true)"
    )

    serve = commands.add_parser("serve", parents=[privacy], help="run the MCP server (stdio by default)")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    serve.add_argument("--demo", action="store_true", help="serve the embedded sandbox's logs; no token needed")
    serve.add_argument(
        "--multi-user",
        action="store_true",
        help="HTTP: each client sends its own Truto token in x-truto-api-token (also TRUTO_MULTI_USER=true)",
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="HTTP: no MCP sessions, for replicas behind a load balancer (also TRUTO_MCP_STATELESS=true)",
    )
    serve.add_argument(
        "--json-response",
        action="store_true",
        help="HTTP: answer with one JSON body instead of an SSE stream (also TRUTO_MCP_JSON_RESPONSE=true)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="HOST",
        help="HTTP: a Host header value to accept besides loopback, e.g. logs.example.com (repeatable; "
        "also TRUTO_MCP_ALLOWED_HOSTS)",
    )
    serve.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="HTTP: an Origin header value to accept, e.g. https://logs.example.com (repeatable; "
        "also TRUTO_MCP_ALLOWED_ORIGINS)",
    )

    commands.add_parser("demo", parents=[privacy], help="a guided investigation on the embedded sandbox, printed")

    sandbox = commands.add_parser("sandbox", help="run the sandbox upstream alone (a fake GET /log)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8787)
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    sandbox.add_argument("--scale", type=float, default=1.0, help="multiplies the generated volume")
    sandbox.add_argument("--seed", type=int, default=7)
    sandbox.add_argument("--token", default=None, help="bearer token it accepts (default: sandbox-token)")

    install = commands.add_parser(
        "install", help="add this server to Claude Desktop, Claude Code or Cursor (absolute command path)"
    )
    install.add_argument("client", choices=["claude-desktop", "claude-code", "cursor"])
    install.add_argument("--print", action="store_true", dest="print_only", help="only print the configuration")
    install.add_argument("--demo", action="store_true", help="the sandbox variant (no token needed)")

    call = commands.add_parser("call", parents=[privacy], help="call one tool and print its answer")
    call.add_argument("tool", help="tool name, e.g. search_logs")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object of arguments")
    call.add_argument("--demo", action="store_true", help="against the embedded sandbox")
    call.add_argument("--json", action="store_true", help="print the structured content instead of the text")
    call.add_argument(
        "--html",
        metavar="FILE",
        default=None,
        help="also write the tool's interactive view with the result embedded (one file; opens with no network)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in configuration_problems(error):
            print(f"truto-log-mcp: invalid configuration: {problem}", file=sys.stderr)
        return 2
    if getattr(args, "redact", False):
        settings = settings.model_copy(update={"redact": True})
    configure_logging(settings.log_level)
    command = args.command or "serve"
    if (settings.state_url or "").startswith("redis") and importlib.util.find_spec("redis") is None:
        from truto_log_mcp.state.redis_store import MISSING_CLIENT

        print(f"truto-log-mcp: {MISSING_CLIENT}", file=sys.stderr)
        return 2
    if settings.state_url is None and command in ("call", "demo"):
        from truto_log_mcp.state.open import default_state_url

        # each `call` is a new process: its cursors and refs must outlive it for the next one
        settings = settings.model_copy(update={"state_url": default_state_url(command, getattr(args, "demo", False))})
    if command == "serve":
        return serve(
            settings,
            getattr(args, "transport", "stdio"),
            getattr(args, "host", "127.0.0.1"),
            getattr(args, "port", 8000),
            getattr(args, "demo", False),
            multi_user=getattr(args, "multi_user", False),
            stateless=getattr(args, "stateless", False),
            json_response=getattr(args, "json_response", False),
            allowed_hosts=getattr(args, "allowed_host", []),
            allowed_origins=getattr(args, "allowed_origin", []),
        )
    if command == "demo":
        from truto_log_mcp.cli.demo import run_demo

        return printing(lambda: anyio.run(run_demo, settings))
    if command == "sandbox":
        return run_sandbox(args)
    if command == "install":
        from truto_log_mcp.cli.install import install

        return install(args.client, demo=args.demo, print_only=args.print_only, out=sys.stdout)
    return printing(lambda: anyio.run(call_tool, settings, args.tool, args.arguments, args.demo, args.json, args.html))


def printing(command: Callable[[], int]) -> int:
    """Run a command that prints; a reader that stops early (`| head`) is not an error of ours."""
    try:
        return command()
    except BrokenPipeError:
        return 0
    except BaseExceptionGroup as group:  # raised inside the MCP client's task group
        _, rest = group.split(BrokenPipeError)
        if rest is not None:
            raise
        return 0


def configure_logging(level: str) -> None:
    """Everything goes to stderr: on stdio, stdout belongs to the protocol."""
    logging.basicConfig(stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx2 logs every request URL at INFO; our client logs what matters at DEBUG.
    logging.getLogger("httpx2").setLevel(max(logging.WARNING, logging.getLogger().level))


def serve(
    settings: Settings,
    transport: str,
    host: str,
    port: int,
    demo: bool,
    *,
    multi_user: bool = False,
    stateless: bool = False,
    json_response: bool = False,
    allowed_hosts: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
) -> int:
    """Serve over stdio, or over streamable HTTP after refusing what would expose the server (exit 2)."""
    if transport == "stdio":
        http_only = [
            flag
            for flag, given in (
                ("--multi-user", multi_user),
                ("--stateless", stateless),
                ("--json-response", json_response),
                ("--allowed-host", bool(allowed_hosts)),
                ("--allowed-origin", bool(allowed_origins)),
            )
            if given
        ]
        if http_only:
            print(f"truto-log-mcp: {', '.join(http_only)} needs --transport http.", file=sys.stderr)
            return 2
        make_server(settings, demo).run()
        return 0

    from truto_log_mcp.deployment import DeploymentError, HttpOptions, check_deployment
    from truto_log_mcp.http import serve_http

    if multi_user:
        settings = settings.model_copy(update={"multi_user": True})
    if stateless:  # the tools read it too: no request has a verified MCP session (boundary.session_key)
        settings = settings.model_copy(update={"mcp_stateless": True})
    options = HttpOptions.from_settings(
        settings,
        host,
        port,
        stateless=stateless,
        json_response=json_response,
        allowed_hosts=allowed_hosts,
        allowed_origins=allowed_origins,
    )
    try:
        warnings = check_deployment(options)
    except DeploymentError as error:
        print(f"truto-log-mcp: {error}", file=sys.stderr)
        return 2
    if settings.multi_user and settings.api_token is not None and not demo:
        warnings.append("TRUTO_API_TOKEN is not used in multi-user mode: each client's x-truto-api-token is.")
    if not settings.multi_user and settings.api_token is None and not demo:
        warnings.append("TRUTO_API_TOKEN is not set: tools will answer [auth_failed] until it is.")
    for warning in warnings:
        print(f"truto-log-mcp: warning: {warning}", file=sys.stderr)
    return serve_http(make_server(settings, demo), options, settings.log_level)


def run_sandbox(args: argparse.Namespace) -> int:
    from truto_log_mcp.sandbox import SANDBOX_TOKEN, SandboxConfig, serve_sandbox

    config = SandboxConfig(
        seed=args.seed, scale=args.scale, latency_s=args.latency_ms / 1000, token=args.token or SANDBOX_TOKEN
    )
    print(f"Sandbox GET /log on http://{args.host}:{args.port}/log (token: {config.token})", file=sys.stderr)
    anyio.run(serve_sandbox, args.host, args.port, config)
    return 0


async def call_tool(
    settings: Settings, tool: str, raw_arguments: str, demo: bool, as_json: bool, html: str | None = None
) -> int:
    from mcp import Client

    from truto_log_mcp.render.table import clean_lines

    try:
        arguments: Any = json.loads(raw_arguments)
    except json.JSONDecodeError as error:
        print(
            f"[invalid_argument] The arguments are not JSON ({error.msg}). Pass an object like "
            '\'{"log_type": "webhook"}\'.',
            file=sys.stderr,
        )
        return 2
    if not isinstance(arguments, dict):
        print("[invalid_argument] The arguments must be a JSON object.", file=sys.stderr)
        return 2
    if html is not None:
        from truto_log_mcp.cli.html import VIEWED_TOOLS, view_of, write_view

        if view_of(tool) is None:
            print(f"[invalid_argument] {tool[:60]} has no view; --html is for {VIEWED_TOOLS}.", file=sys.stderr)
            return 2
    demo_now = await demo_moment(settings) if demo else None
    if html is not None:
        result = await write_view(make_server(settings, demo, demo_now), tool, arguments, html)
    else:
        async with Client(make_server(settings, demo, demo_now)) as client:
            result = await client.call_tool(tool, arguments)
    if as_json and result.structured_content is not None:
        print(json.dumps(result.structured_content, indent=2))  # ASCII only: every other character escaped
    else:
        # Row text in answers is clean already; errors quote arguments as given, and a terminal obeys
        # what it is sent: the last writer cleans every line.
        print(clean_lines("\n".join(block.text for block in result.content if block.type == "text")))
    return 1 if result.is_error else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
