"""The sandbox: a faithful fake of Truto's ``GET /log`` as an ASGI (Starlette) app.

Why: it is the upstream that every other test trusts, the upstream of ``truto-log-mcp demo`` and
of the benchmarks. It follows the real API's rules strictly (auth, bracket parameters, the
per-type filter table, the 1-month window, keyset cursors bound to their query, newest first,
empty fields dropped, the three-field error body, the per-token rate limit), so a client mistake
shows up as the 400/401/429 that Truto would answer. Tests steer it through ``Sandbox.faults``
and read what it received in ``Sandbox.requests``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from math import ceil
from typing import Any, Final

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.config import Fault, RecordedRequest, SandboxConfig
from truto_log_mcp.sandbox.cursor import CursorError, decode_cursor, encode_cursor, query_fingerprint
from truto_log_mcp.sandbox.dataset import Key, LogTable, drop_empty, gc_paused
from truto_log_mcp.sandbox.generator import generate_rows
from truto_log_mcp.sandbox.params import ApiError, LogQuery, bad_request, parse_log_query

LOG_PATH: Final = "/log"
HEALTH_PATH: Final = "/healthz"


class Sandbox:
    """The data, the configuration and the mutable test controls of one fake upstream."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config if config is not None else SandboxConfig()
        now = self.config.now if self.config.now is not None else datetime.now(UTC)
        self.now: datetime = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        """The dataset's "now": generated rows are all older than this."""
        with gc_paused():
            generated = (
                generate_rows(seed=self.config.seed, now=self.now, days=self.config.days, scale=self.config.scale)
                if self.config.generate
                else {}
            )
            planted: Mapping[LogType, list[Row]] = self.config.extra_rows or {}
            self._tables = {
                log_type: LogTable(
                    [*generated.get(log_type, ()), *(_planted(log_type, row) for row in planted.get(log_type, ()))]
                )
                for log_type in LogType
            }
        self.requests: list[RecordedRequest] = []
        self.faults: deque[Fault] = deque()
        self._admitted: dict[str, deque[float]] = {}
        self.app = Starlette(routes=[Route("/{path:path}", _Endpoint(self))])

    def rows(self, log_type: LogType | str) -> list[dict[str, Any]]:
        """The whole dataset of one log type, newest first, flat shape (for computing expected answers)."""
        return self._tables[LogType(log_type)].rows()

    def max_requests_in_any_window(self, window_s: float = 10.0) -> int:
        """The most requests (health checks aside) that arrived within any ``window_s`` seconds."""
        return most_in_any_window([request.at for request in self.requests if request.path != HEALTH_PATH], window_s)

    # ---- request handling ---------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        record = RecordedRequest(
            at=time.monotonic(),
            method=request.method,
            path=request.url.path,
            params=request.query_params.multi_items(),
            headers=dict(request.headers.items()),
            raw_query=request.scope.get("query_string", b"").decode("latin-1"),
        )
        self.requests.append(record)
        try:
            response = await self._respond(request, record)
        except ApiError as error:
            response = error_response(error.status, error.message, error.retry_after)
        if record.fault is not None and record.fault.headers:
            for name, value in record.fault.headers.items():
                response.headers.append(name, value)
        record.status = response.status_code
        return response

    async def _respond(self, request: Request, record: RecordedRequest) -> Response:
        if self.config.latency_s > 0:
            await anyio.sleep(self.config.latency_s)
        path = request.url.path
        if request.method == "GET" and path == HEALTH_PATH:
            return JSONResponse({"ok": True})
        if request.method != "GET" or path != LOG_PATH:
            raise ApiError(404, f"Route {request.method}:{path} not found")
        if self.faults:
            record.fault = self.faults.popleft()
            scripted = await _apply_fault(record.fault)
            if scripted is not None:
                return scripted
        token = self._authenticate(request.headers.get("authorization"))
        self._throttle(token)
        return self._answer(parse_log_query(record.params))

    def _authenticate(self, header: str | None) -> str:
        if header is None:
            raise ApiError(401, "Missing Authorization header: send 'Authorization: Bearer <api token>'")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "Malformed Authorization header: expected 'Bearer <api token>'")
        if not secrets.compare_digest(token.encode(), self.config.token.encode()):
            raise ApiError(401, "Invalid API token")
        return token

    def _throttle(self, token: str) -> None:
        """Sliding-window limit per token over admitted requests; 429 with the wait until a slot frees."""
        if self.config.rate_limit is None:
            return
        allowed, window = self.config.rate_limit
        now = time.monotonic()
        admitted = self._admitted.setdefault(token, deque())
        while admitted and admitted[0] <= now - window:
            admitted.popleft()
        if len(admitted) >= allowed:
            wait = max(1, ceil(admitted[0] + window - now))
            raise ApiError(
                429,
                f"Rate limit exceeded: {allowed} requests per {window:g} seconds. Retry after {wait} seconds.",
                retry_after=wait,
            )
        admitted.append(now)

    def _answer(self, query: LogQuery) -> Response:
        fingerprint = query_fingerprint(query.log_type.value, query.window, query.filters)
        after: Key | None = None
        if query.cursor is not None:
            try:
                after, bound_to = decode_cursor(query.cursor)
            except CursorError:
                raise bad_request('"next_cursor" is not a valid cursor') from None
            if bound_to != fingerprint:
                raise bad_request(
                    '"next_cursor" belongs to a different query: send the same log_type, created_at and '
                    "log_type_filter as for the first page"
                )
        page = self._tables[query.log_type].page(
            window=query.window, filters=query.row_filters(), after=after, limit=query.limit
        )
        next_cursor = encode_cursor(page.last_key, fingerprint) if page.last_key is not None else None
        if self.config.row_shape == "nested":
            rows = [_nested(row, key) for row, key in zip(page.rows, page.keys, strict=True)]
            return JSONResponse({"result": rows, "next_cursor": next_cursor})
        # Flat rows are served from their cached encodings: a busy benchmark must measure the
        # client, not the fake upstream's JSON encoder.
        body = b'{"result":[' + b",".join(page.encoded) + b'],"next_cursor":' + json.dumps(next_cursor).encode() + b"}"
        return Response(body, media_type="application/json")


class _Endpoint:
    """Every method and path comes here (a plain ASGI app, so Starlette adds no 405 of its own)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._sandbox.handle(Request(scope, receive))
        await response(scope, receive, send)


def error_response(status: int, message: str, retry_after: float | None = None) -> JSONResponse:
    """Truto's three-field error body, with ``Retry-After`` when given."""
    headers = {"Retry-After": format(retry_after, "g")} if retry_after is not None else None
    return JSONResponse(
        {"statusCode": status, "error": _phrase(status), "message": message}, status_code=status, headers=headers
    )


async def _apply_fault(fault: Fault) -> Response | None:
    if fault.hang_s:
        await anyio.sleep(fault.hang_s)
    if fault.body is not None:
        headers = {"Retry-After": format(fault.retry_after, "g")} if fault.retry_after is not None else None
        return Response(fault.body, status_code=fault.status or 200, media_type="application/json", headers=headers)
    if fault.status is not None:
        return error_response(fault.status, f"Sandbox fault: {_phrase(fault.status)}", fault.retry_after)
    return None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _nested(row: Row, key: Key) -> Row:
    """The ``{_id, timestamp, metadata}`` shape some Truto documentation shows."""
    micros, seq = key
    return {
        "_id": f"{micros // 1_000_000:08x}{seq:016x}",
        "timestamp": row["timestamp"],
        "metadata": {name: value for name, value in row.items() if name != "timestamp"},
    }


def _planted(log_type: LogType, row: Mapping[str, Any]) -> Row:
    if not isinstance(row.get("timestamp"), str):
        raise ValueError(f"planted {log_type.value} rows need an ISO 8601 'timestamp': {dict(row)!r}")
    return drop_empty({"log_type": log_type.value, **row})


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A fresh sandbox's ASGI app (``Sandbox(config).app``)."""
    return Sandbox(config).app


def _uvicorn_config(app: Starlette, host: str, port: int) -> Any:
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False)


async def serve_sandbox(host: str, port: int, config: SandboxConfig) -> None:
    """Serve a sandbox over HTTP until cancelled or interrupted (``truto-log-mcp sandbox``)."""
    import uvicorn

    await uvicorn.Server(_uvicorn_config(Sandbox(config).app, host, port)).serve()


@asynccontextmanager
async def serving(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve ``sandbox`` over real HTTP for the duration of the block; yields its base URL.

    ``port=0`` picks a free port. Needs the asyncio backend (uvicorn).
    """
    import uvicorn

    config = _uvicorn_config(sandbox.app, host, port)
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve, [sock])
            with anyio.fail_after(10):
                while not server.started:
                    await anyio.sleep(0.01)
            bound_host, bound_port = sock.getsockname()[:2]
            try:
                yield f"http://{bound_host}:{bound_port}"
            finally:
                server.should_exit = True
    finally:
        sock.close()


def most_in_any_window(arrivals: list[float], window_s: float = 10.0) -> int:
    """The most of ``arrivals`` (times in seconds) within any ``window_s`` seconds."""
    arrivals = sorted(arrivals)
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= window_s:
            first += 1
        most = max(most, last - first + 1)
    return most
