"""`call` pages across processes: a cursor or a ref printed by one `call` works in the next (sqlite state)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from truto_log_mcp.cli.main import main
from truto_log_mcp.sandbox import SANDBOX_TOKEN, Sandbox, serving

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]
FIRST_PAGE = {"log_type": "webhook", "since": "48h", "limit": 5}


def call_env(base_url: str, cache_home: Path, **extra: str) -> dict[str, str]:
    """The environment of `call` processes reading the sandbox at ``base_url``, with the default (sqlite) state."""
    env = {
        **os.environ,
        "TRUTO_BASE_URL": base_url,
        "TRUTO_API_TOKEN": SANDBOX_TOKEN,
        "XDG_CACHE_HOME": str(cache_home),
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    env.pop("TRUTO_STATE_URL", None)
    return env


async def call_process(env: dict[str, str], tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One `truto-log-mcp call --json` as its own process; its structured answer."""
    done = await anyio.run_process(
        [sys.executable, "-m", "truto_log_mcp", "call", "--json", tool, json.dumps(arguments)],
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


async def test_separate_call_processes_continue_a_search_and_open_its_refs(sandbox: Sandbox, tmp_path: Path) -> None:
    async with serving(sandbox) as base_url:
        env = call_env(base_url, tmp_path)
        pages = [await call_process(env, "search_logs", FIRST_PAGE)]
        for _ in range(2):
            pages.append(await call_process(env, "search_logs", {"cursor": pages[-1]["next_cursor"]}))
        ref = pages[0]["rows"][0][0]
        opened = await call_process(env, "get_log", {"ref": ref})
        whole = await call_process(env, "search_logs", {**FIRST_PAGE, "limit": 15})
    assert [row[1:] for page in pages for row in page["rows"]] == [row[1:] for row in whole["rows"]]
    assert opened["ref"] == ref
    assert opened["row"]["timestamp"] in json.dumps(pages[0]["rows"][0])
    assert (tmp_path / "truto-log-mcp" / "state.sqlite3").exists()


def call_json(capsys: pytest.CaptureFixture[str], tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    assert main(["call", "--demo", "--json", tool, json.dumps(arguments)]) == 0, capsys.readouterr().out
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_call_demo_pages_across_calls_in_one_sandbox_world(capsys: pytest.CaptureFixture[str]) -> None:
    """Each `call --demo` generates its sandbox anew, at the moment the state store keeps: the same rows."""
    first = call_json(capsys, "search_logs", {"log_type": "webhook", "limit": 5})
    second = call_json(capsys, "search_logs", {"cursor": first["next_cursor"]})
    whole = call_json(capsys, "search_logs", {"log_type": "webhook", "limit": 10})
    opened = call_json(capsys, "get_log", {"ref": first["rows"][2][0]})
    assert [row[1:] for row in first["rows"] + second["rows"]] == [row[1:] for row in whole["rows"]]
    assert opened["ref"] == first["rows"][2][0]
    assert opened["row"]["timestamp"] in json.dumps(first["rows"][2])


async def test_a_prefix_one_call_printed_resolves_in_the_next_call_without_a_look_up(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with serving(sandbox) as base_url:
        env = call_env(base_url, tmp_path, TRUTO_SCAN_CACHE="off")
        listed = await call_process(env, "list_sync_runs", {})
        run_id = listed["runs"][0]["sync_job_run_id"]
        sandbox.requests.clear()
        trace = await call_process(env, "trace_sync_run", {"sync_job_run_id": run_id[:8]})
    assert trace["sync_job_run_id"] == run_id
    sent = [dict(request.params) for request in sandbox.requests]
    assert not [params for params in sent if params.get("log_type_filter[sync_job_run_event]") == "created"]
    assert run_id[:8] not in {params.get("log_type_filter[sync_job_run_id]") for params in sent}
