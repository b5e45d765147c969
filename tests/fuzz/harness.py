"""The fuzz harness: one server over the sandbox, one in-memory ``Client``, and the judgement of one example."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from anyio.from_thread import BlockingPortal, start_blocking_portal
from jsonschema.validators import validator_for
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from tests.fuzz.oracle import upstream_rule_violations
from tests.helpers import text_of
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox
from truto_log_mcp.server import build_server
from truto_log_mcp.settings import Settings

ALLOWED_ERROR_CODES = ("invalid_argument", "cursor_expired", "ref_not_found", "not_found", "busy")
"""Errors a valid sandbox may cause: the caller's mistakes (and a busy session)."""

CALL_TIMEOUT_S = 30.0

_CODE = re.compile(r"^\[([a-z_]+)\]")


@dataclass(slots=True)
class Outcome:
    """One example: the code it answered ("ok" for a result) and every broken rule."""

    tool: str
    arguments: dict[str, Any]
    code: str = "ok"
    problems: list[str] = field(default_factory=list)
    upstream_requests: int = 0


def fuzz_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_token": SecretStr(SANDBOX_TOKEN),
        "base_url": "http://sandbox.test",
        "rate_budget": 500,
        "call_deadline_s": 20.0,
    }
    values.update(overrides)
    return Settings(**values)


class FuzzHarness:
    """One server over ``sandbox`` and one in-memory ``Client``, driven from synchronous code.

    The client lives in an event loop of its own thread (an anyio blocking portal), so hypothesis
    (synchronous) reuses the same server across all examples of a run.
    """

    def __init__(self, sandbox: Sandbox, **settings: Any) -> None:
        self.sandbox = sandbox
        self._server = build_server(fuzz_settings(**settings), httpx2.ASGITransport(app=sandbox.app))
        self._stack = ExitStack()
        self._portal: BlockingPortal | None = None
        self._client: Client | None = None
        self._validators: dict[str, Callable[[Any], Iterator[Any]]] = {}

    def __enter__(self) -> FuzzHarness:
        self._portal = self._stack.enter_context(start_blocking_portal("asyncio"))
        self._client = self._stack.enter_context(self._portal.wrap_async_context_manager(Client(self._server)))
        tools = self._portal.call(self._client.list_tools).tools
        for tool in tools:
            if tool.output_schema is not None:
                validator = validator_for(tool.output_schema)(tool.output_schema)
                self._validators[tool.name] = validator.iter_errors
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def check(self, tool: str, arguments: dict[str, Any]) -> Outcome:
        """Run one example (and its follow-ups); return what it answered and what it broke."""
        assert self._portal is not None
        outcome = Outcome(tool, arguments)
        self.sandbox.requests.clear()
        try:
            self._portal.call(self._run, outcome)
        except Exception as error:  # the client raised: the answer was not a valid MCP result
            outcome.problems.append(f"the call raised {type(error).__name__}: {str(error)[:300]}")
        outcome.upstream_requests = len(self.sandbox.requests)
        for request in self.sandbox.requests:
            if request.status != 200:
                outcome.problems.append(f"the sandbox answered {request.status} to {request.params}")
            outcome.problems += [f"{rule} in {request.params}" for rule in upstream_rule_violations(request.params)]
        return outcome

    async def _run(self, outcome: Outcome) -> None:
        result = await self._call(outcome.tool, outcome.arguments)
        outcome.code = self._judge(outcome, outcome.tool, result, follow_up=False)
        if outcome.code != "ok" or outcome.tool != "search_logs":
            return
        data = result.structured_content or {}
        if data.get("next_cursor"):
            more = await self._call("search_logs", {"cursor": data["next_cursor"]})
            self._judge(outcome, "search_logs (its cursor)", more, follow_up=True)
        if data.get("rows"):
            opened = await self._call("get_log", {"ref": data["rows"][0][0]})
            self._judge(outcome, "get_log (its first ref)", opened, follow_up=True)

    async def _call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        assert self._client is not None
        with anyio.fail_after(CALL_TIMEOUT_S):
            return await self._client.call_tool(tool, arguments)

    def _judge(self, outcome: Outcome, what: str, result: CallToolResult, follow_up: bool) -> str:
        text = text_of(result)
        if result.is_error:
            found = _CODE.match(text)
            code = found.group(1) if found else "(no code)"
            if follow_up or code not in ALLOWED_ERROR_CODES:
                outcome.problems.append(f"{what} answered {text[:300]!r}")
            return code
        if not text.strip():
            outcome.problems.append(f"{what} answered an empty text")
        tool = what.split(" ")[0]
        validate = self._validators.get(tool)
        if validate is None or not isinstance(result.structured_content, dict):
            outcome.problems.append(f"{what} answered no structured content")
        else:
            outcome.problems += [
                f"{what} structured content breaks its outputSchema: {error.message[:200]}"
                for error in validate(result.structured_content)
            ]
        return "ok"


def describe_failure(outcome: Outcome) -> str:
    return f"{outcome.tool}({outcome.arguments!r}):\n  " + "\n  ".join(outcome.problems)
