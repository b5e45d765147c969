"""A real Chromium showing the views through the official MCP Apps host bridge: what the browser tests and the
screenshot script share.

The host page (``host/host.js``, bundled by esbuild from npm's ``@modelcontextprotocol/ext-apps``) puts a
view in a sandboxed iframe and drives it with ``AppBridge``; it is served from 127.0.0.1. The results it
hands the views are recorded from the server in process, on the seeded sandbox.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import anyio
from mcp import Client

from tests.helpers import server_on
from tests.views.apps_client import APPS, wire
from truto_log_mcp.rules import RULES, LogType
from truto_log_mcp.sandbox import Sandbox, SandboxConfig
from truto_log_mcp.tools.timelines import VIEW_META
from truto_log_mcp.views import sync_run, timeline
from truto_log_mcp.views.apps import view_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HOST = Path(__file__).parent / "host"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("TRUTO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "install Debian's chromium (apt-get install chromium), Playwright for Python (pip install playwright; "
    "no `playwright install`) and the host's npm packages (npm ci --prefix tests/views/host)"
)
HOSTILE_VALUES = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    "javascript:window.__pwned=3",
    '<svg onload="window.__pwned=4"><circle r="9"/></svg>',
    'a "</script><script>window.__pwned=5</script>" b',
)


def missing() -> str | None:
    """What the browser tests lack on this machine (None: nothing)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python"
    if not Path(CHROMIUM).exists():
        return f"Chromium at {CHROMIUM}"
    if not (HOST / "node_modules" / "@modelcontextprotocol" / "ext-apps").exists() or shutil.which("node") is None:
        return "node and the host's npm packages"
    return None


def build_host() -> Path:
    """The host page and its bundled script, in ``host/build``."""
    out = HOST / "build"
    subprocess.run(
        [
            str(HOST / "node_modules" / ".bin" / "esbuild"),
            "host.js",
            "--bundle",
            "--format=iife",
            "--outfile=build/host.js",
            "--log-level=warning",
        ],
        cwd=HOST,
        check=True,
    )
    (out / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>host</title></head>'
        '<body style="margin:0"><script src="host.js"></script></body></html>',
        encoding="utf-8",
    )
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_host(root: Path) -> Iterator[str]:
    """The host page over HTTP on 127.0.0.1 (a free port), for as long as the context lasts."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


async def _shown(client: Client, view: ModuleType, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """What a host hands ``view`` for one call: its page, the tool's input and result, what its app tool answers."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    app_tools = {}
    handle = ((result.meta or {}).get(VIEW_META) or {}).get("timeline")
    if handle:
        app_tools[timeline.APP_TOOL] = wire(await client.call_tool(timeline.APP_TOOL, {"timeline": handle}))
    return {"html": view_page(view), "toolInput": arguments, "toolResult": wire(result), "appTools": app_tools}


async def _record() -> dict[str, dict[str, Any]]:
    sandbox = Sandbox()
    recorded: dict[str, dict[str, Any]] = {}
    async with Client(server_on(sandbox), extensions=[APPS]) as client:

        async def take(name: str, view: ModuleType, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
            recorded[name] = await _shown(client, view, tool, arguments)
            return recorded[name]

        await take(
            "log_stats",
            timeline,
            "log_stats",
            {"log_type": "unified_proxy_api", "group_by": ["integration"], "bucket": "1h", "compare_previous": True},
        )
        await take("summarize_errors", timeline, "summarize_errors", {"since": "24h"})
        runs = await take("list_sync_runs", sync_run, "list_sync_runs", {"since": "7d", "limit": 100})
        listed = runs["toolResult"]["structuredContent"]["runs"]
        failed = next(run for run in listed if run["outcome"] in ("failed", "stuck") and run["records"])
        paused = next(run for run in listed if run["rate_limited_events"])
        undelivered = next(run for run in listed if run["undelivered_to"])
        for name, run in (("trace_failed", failed), ("trace_paused", paused), ("trace_undelivered", undelivered)):
            await take(name, sync_run, "trace_sync_run", {"sync_job_run_id": run["sync_job_run_id"]})
    return recorded


def record() -> dict[str, dict[str, Any]]:
    """Results of every viewed tool on the seeded sandbox, as a host hands them to a view."""
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API runs an event loop in the caller's thread
        return thread.submit(anyio.run, _record).result()


def hostile(recorded: dict[str, Any]) -> dict[str, Any]:
    """``recorded`` with the hostile values in every row text a view shows (labels, notes, errors, resources)."""
    doctored = copy.deepcopy(recorded)
    content = doctored["toolResult"]["structuredContent"]
    values = iter(HOSTILE_VALUES * 1000)
    for row in content.get("timeline", []):
        row[4], row[6], row[7] = next(values), next(values), next(values)
    for run in content.get("runs", []):
        run["integration"], run["first_error"] = next(values), next(values)
    kept = doctored["appTools"].get(timeline.APP_TOOL)
    if kept:
        detail = kept["structuredContent"]
        renamed = {
            label: HOSTILE_VALUES[i % len(HOSTILE_VALUES)] + f" #{i}" for i, label in enumerate(detail["labels"])
        }
        detail["labels"] = [renamed[label] for label in detail["labels"]]
        for bucket in detail["buckets"]:
            for cell in bucket["groups"]:
                cell["label"] = renamed[cell["label"]]
                cell["refs"] = [HOSTILE_VALUES[1]]
    return doctored


def safe_hostile_json() -> str:
    """A hostile value as the embedded JSON of ``call --html`` carries it (``page.safe_json``)."""
    from truto_log_mcp.views.page import safe_json

    return safe_json(" ".join(HOSTILE_VALUES))


def show_view(
    chromium: Browser, host_url: str, fixture: dict[str, Any], width: int, theme: str, height: int = 800
) -> Page:
    """A new page of the host showing ``fixture``'s view, drawn (no page error on the way)."""
    page = chromium.new_page(viewport={"width": width, "height": height}, color_scheme=theme)  # type: ignore[arg-type]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(host_url)
    page.evaluate("fixture => window.startView(fixture)", {**fixture, "theme": theme})
    page.frame_locator("#view").locator("svg.chart").first.wait_for()
    page.wait_for_timeout(200)
    assert errors == [], errors
    return page


HTML_RUN_ID = "html-hostile-run-0001"


def html_hostile_rows(now: datetime) -> dict[LogType, list[dict[str, Any]]]:
    """Rows whose every text field holds the hostile HTML values: a failed run with its page and a failed
    delivery, and proxy errors (their integration is hostile too, so a timeline grouped by it shows it)."""
    value = " ".join(HOSTILE_VALUES)

    def row(log_type: LogType, minutes: float, **fields: Any) -> dict[str, Any]:
        made: dict[str, Any] = {spec.name: value for spec in RULES[log_type].fields if spec.kind == "string"}
        made["timestamp"] = (now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
        made.update(fields)
        return made

    run = {"sync_job_run_id": HTML_RUN_ID, "sync_job_id": "job-html"}
    return {
        LogType.RAPID_BRIDGE: [
            row(LogType.RAPID_BRIDGE, 9, **run, sync_job_run_event="started", status="running"),
            row(LogType.RAPID_BRIDGE, 8, **run, sync_job_run_event="record", status="running", num_records=5),
            row(LogType.RAPID_BRIDGE, 4, **run, sync_job_run_event="failed", status="failed"),
        ],
        LogType.WEBHOOK: [row(LogType.WEBHOOK, 3, message=value + HTML_RUN_ID, webhook_endpoint_status=503)],
        LogType.UNIFIED_PROXY_API: [row(LogType.UNIFIED_PROXY_API, m, http_status_code=502) for m in (5, 6, 30)],
    }


async def _record_hostile() -> dict[str, dict[str, Any]]:
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    sandbox = Sandbox(SandboxConfig(now=now, generate=False, extra_rows=html_hostile_rows(now), rate_limit=None))
    window = {"start": (now - timedelta(hours=2)).isoformat(), "end": now.isoformat()}
    asked: dict[str, tuple[ModuleType, dict[str, Any]]] = {
        "summarize_errors": (timeline, {"log_type": "unified_proxy_api", "group_by": ["integration"], **window}),
        "trace_sync_run": (sync_run, {"sync_job_run_id": HTML_RUN_ID, **window}),
        "list_sync_runs": (sync_run, window),
    }
    recorded: dict[str, dict[str, Any]] = {}
    async with Client(server_on(sandbox), extensions=[APPS]) as client:
        for tool, (view, arguments) in asked.items():
            recorded[tool] = await _shown(client, view, tool, arguments)
    return recorded


def record_hostile() -> dict[str, dict[str, Any]]:
    """The viewed tools' results, from the server, on rows whose text is hostile HTML (nothing doctored)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(anyio.run, _record_hostile).result()
