"""Command line: ``serve`` (default), ``demo``, ``sandbox`` and ``call``.

``main()`` builds the one ``Settings`` object from the environment and passes it down. Heavy
imports (the sandbox, uvicorn) happen inside the command that needs them, so that ``serve``
over stdio starts as fast as a minimal MCP server.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import SecretStr, ValidationError

from truto_log_mcp import __version__
from truto_log_mcp.settings import Settings

if TYPE_CHECKING:
    import httpx2

    from truto_log_mcp.sandbox import SandboxConfig
    from truto_log_mcp.server import TrutoLogServer

logger = logging.getLogger(__name__)

SANDBOX_BASE_URL = "http://sandbox.invalid"
"""Base URL used with the in-process sandbox (never resolved: the transport is the ASGI app)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truto-log-mcp", description="MCP server for Truto's logs (GET /log). Default command: serve."
    )
    parser.add_argument("--version", action="version", version=f"truto-log-mcp {__version__}")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="run the MCP server (stdio by default)")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    serve.add_argument("--demo", action="store_true", help="serve the embedded sandbox's logs; no token needed")

    commands.add_parser("demo", help="a guided investigation on the embedded sandbox, printed")

    sandbox = commands.add_parser("sandbox", help="run the sandbox upstream alone (a fake GET /log)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8787)
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    sandbox.add_argument("--scale", type=float, default=1.0, help="multiplies the generated volume")
    sandbox.add_argument("--seed", type=int, default=7)
    sandbox.add_argument("--token", default=None, help="bearer token it accepts (default: sandbox-token)")

    call = commands.add_parser("call", help="call one tool and print its answer")
    call.add_argument("tool", help="tool name, e.g. search_logs")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object of arguments")
    call.add_argument("--demo", action="store_true", help="against the embedded sandbox")
    call.add_argument("--json", action="store_true", help="print the structured content instead of the text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"truto-log-mcp: invalid configuration: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    command = args.command or "serve"
    if command == "serve":
        return serve(
            settings,
            getattr(args, "transport", "stdio"),
            getattr(args, "host", "127.0.0.1"),
            getattr(args, "port", 8000),
            getattr(args, "demo", False),
        )
    if command == "demo":
        from truto_log_mcp.demo import run_demo

        return anyio.run(run_demo, settings)
    if command == "sandbox":
        return run_sandbox(args)
    return anyio.run(call_tool, settings, args.tool, args.arguments, args.demo, args.json)


def configure_logging(level: str) -> None:
    """Everything goes to stderr: on stdio, stdout belongs to the protocol."""
    logging.basicConfig(stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx2 logs every request URL at INFO; our client logs what matters at DEBUG.
    logging.getLogger("httpx2").setLevel(max(logging.WARNING, logging.getLogger().level))


def demo_upstream(
    settings: Settings, config: SandboxConfig | None = None
) -> tuple[Settings, httpx2.AsyncBaseTransport]:
    """Settings and transport that point the server at an in-process sandbox."""
    import httpx2

    from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox

    sandbox = Sandbox(config)
    demo_settings = settings.model_copy(update={"api_token": SecretStr(SANDBOX_TOKEN), "base_url": SANDBOX_BASE_URL})
    return demo_settings, httpx2.ASGITransport(app=sandbox.app)


def make_server(settings: Settings, demo: bool) -> TrutoLogServer:
    from truto_log_mcp.server import build_server

    if demo:
        settings, transport = demo_upstream(settings)
        return build_server(settings, transport)
    return build_server(settings)


def serve(settings: Settings, transport: str, host: str, port: int, demo: bool) -> int:
    server = make_server(settings, demo)
    if transport == "stdio":
        server.run()
    else:
        logger.info("Serving streamable HTTP on http://%s:%d/mcp", host, port)
        server.run("streamable-http", host=host, port=port)
    return 0


def run_sandbox(args: argparse.Namespace) -> int:
    from truto_log_mcp.sandbox import SANDBOX_TOKEN, SandboxConfig, serve_sandbox

    config = SandboxConfig(
        seed=args.seed, scale=args.scale, latency_s=args.latency_ms / 1000, token=args.token or SANDBOX_TOKEN
    )
    print(f"Sandbox GET /log on http://{args.host}:{args.port}/log (token: {config.token})", file=sys.stderr)
    anyio.run(serve_sandbox, args.host, args.port, config)
    return 0


async def call_tool(settings: Settings, tool: str, raw_arguments: str, demo: bool, as_json: bool) -> int:
    from mcp import Client

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
    async with Client(make_server(settings, demo)) as client:
        result = await client.call_tool(tool, arguments)
    if as_json and result.structured_content is not None:
        print(json.dumps(result.structured_content, indent=2))
    else:
        print("\n".join(block.text for block in result.content if block.type == "text"))
    return 1 if result.is_error else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
