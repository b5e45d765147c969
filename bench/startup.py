"""Startup: spawn to ``initialize`` answer over stdio, our server against a minimal MCP server.

Each measurement starts the process, writes a JSON-RPC ``initialize`` request to its stdin and
stops the clock when a stdout line answers ``"id": 1``; it then sends ``notifications/initialized``
and ``tools/list`` and stops a second clock at that answer (a server that only moved work past
the handshake would show it there). After one warm-up each, the two servers are measured in
pairs, their order swapped every pair, so that the machine's load hits both alike:

- ours: ``python -m truto_log_mcp serve`` with ``TRUTO_API_TOKEN=x``;
- minimal: an ``MCPServer`` with one tool, the SDK's floor.

Both run with their bytecode cached, as an installed package runs (pip compiles it on install;
uv and Python write it on the first start): ``PYTHONDONTWRITEBYTECODE`` is unset and
``PYTHONPYCACHEPREFIX`` points into the benchmark's temporary folder, which the warm-ups fill.
Otherwise, in an environment that sets ``PYTHONDONTWRITEBYTECODE`` and runs the project from a
checkout, our modules would be compiled on every start while the SDK's come precompiled from
site-packages. ``--compile-each-start`` keeps the environment's setting.

Target: median(ours) / median(minimal) to ``initialize`` at most 1.1. The table also gives the
spread of the per-pair ratios. When the target is missed, the benchmark explains where the time
goes: ``python -X importtime`` of both, the imports only our server pays for (grouped under the
``truto_log_mcp`` module that pulls them in), and the cost of building the server after its
imports.

Run: ``python -m bench.startup`` (``--pairs N``, ``--explain`` to explain even when met).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.common import BenchResult, middle, percentile, report, table

PAIRS = 21
TARGET_RATIO = 1.1
TIMEOUT_S = 20.0
PROTOCOL_VERSION = "2025-06-18"
IMPORT_PROFILES = 3
"""``-X importtime`` runs of each server; a module's time is the median over them (1 when time is short)."""
TIME_BUDGET_S = 60.0
"""The whole benchmark should finish within this; the explanation takes fewer runs to fit."""


def message(payload: dict[str, object]) -> bytes:
    return (json.dumps({"jsonrpc": "2.0", **payload}) + "\n").encode()


INITIALIZE = message(
    {
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "truto-log-mcp-bench", "version": "0"},
        },
    }
)
LIST_TOOLS = message({"method": "notifications/initialized"}) + message({"id": 2, "method": "tools/list"})

MINIMAL_SERVER = '''\
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("minimal")


@mcp.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


mcp.run()
'''

BUILD_PROBE = """\
import json, time
t0 = time.perf_counter()
import mcp.server.mcpserver
t1 = time.perf_counter()
import truto_log_mcp.cli.main
t2 = time.perf_counter()
from truto_log_mcp.settings import Settings
settings = Settings()
t3 = time.perf_counter()
from truto_log_mcp.server import build_server
t4 = time.perf_counter()
build_server(settings)
t5 = time.perf_counter()
minimal = mcp.server.mcpserver.MCPServer("minimal")
minimal.tool(name="ping")(lambda: "pong")
t6 = time.perf_counter()
steps = ["import mcp.server.mcpserver (the SDK floor)", "import truto_log_mcp.cli.main", "Settings()",
         "import truto_log_mcp.server", "build_server()", "the minimal server built (for comparison)"]
print(json.dumps(dict(zip(steps, [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5]))))
"""


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    label: str
    """How the command reads in the table."""
    command: list[str]
    env: dict[str, str]


def answers(line: bytes, request_id: int) -> bool:
    """Whether ``line`` is the answer to request ``request_id`` (a refusal raises)."""
    try:
        reply = json.loads(line)
    except ValueError:
        return False
    if not isinstance(reply, dict) or reply.get("id") != request_id:
        return False
    if "result" not in reply:
        raise RuntimeError(f"request {request_id} was refused: {reply.get('error')}")
    return True


@dataclass(frozen=True, slots=True)
class Start:
    initialize_s: float
    """Spawn to the ``initialize`` answer."""
    tools_list_s: float
    """Spawn to the ``tools/list`` answer (sent right after the ``initialize`` answer)."""
    cpu_s: float
    """CPU time (user + system) of the process, stopped right after the ``tools/list`` answer: what
    ``/usr/bin/time`` reports, and much less sensitive to the machine's other load than the wall clock."""


def time_start(candidate: Candidate, cwd: Path) -> Start:
    """Seconds from ``Popen`` to the ``initialize`` answer and to the ``tools/list`` answer after it, and the
    process's CPU time."""
    children_before = children_cpu_s()
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            candidate.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=candidate.env, cwd=cwd
        )
        try:
            initialize_s, tools_list_s = read_answers(candidate, process, started, stderr)
        finally:
            # Measured: stop it now rather than wait for a graceful exit (about 0.3 s a run).
            assert process.stdin is not None
            process.stdin.close()
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    # Reaped, the process's CPU time is counted in this process's children's.
    return Start(initialize_s, tools_list_s, children_cpu_s() - children_before)


def read_answers(
    candidate: Candidate, process: subprocess.Popen[bytes], started: float, stderr: IO[bytes]
) -> tuple[float, float]:
    """Send ``initialize``, then ``tools/list`` on its answer; the seconds from ``started`` to each answer."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(INITIALIZE)
    process.stdin.flush()
    initialized: float | None = None
    buffer = b""
    while True:
        remaining = started + TIMEOUT_S - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"{candidate.name}: no answers within {TIMEOUT_S:g} s")
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{candidate.name} exited before answering:\n{tail}")
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if initialized is None and answers(line, 1):
                initialized = time.perf_counter() - started
                process.stdin.write(LIST_TOOLS)
                process.stdin.flush()
            elif initialized is not None and answers(line, 2):
                return initialized, time.perf_counter() - started


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def candidates(workdir: Path, cache_bytecode: bool = True) -> tuple[Candidate, Candidate]:
    minimal = workdir / "minimal_server.py"
    minimal.write_text(MINIMAL_SERVER)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUTO_")}
    if cache_bytecode:  # as installed: compiled once (by the warm-ups), into this run's own folder
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    ours = Candidate(
        "truto-log-mcp serve",
        "python -m truto_log_mcp serve",
        [sys.executable, "-m", "truto_log_mcp", "serve"],
        {**env, "TRUTO_API_TOKEN": "x"},
    )
    return ours, Candidate("minimal MCPServer", "python minimal_server.py", [sys.executable, str(minimal)], env)


def run(pairs: int = PAIRS, force_explain: bool = False, cache_bytecode: bool = True) -> BenchResult:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        workdir = Path(tmp)
        ours, minimal = candidates(workdir, cache_bytecode)
        starts: dict[str, list[Start]] = {ours.name: [], minimal.name: []}
        time_start(ours, workdir)
        time_start(minimal, workdir)
        for pair in range(pairs):
            for candidate in (ours, minimal) if pair % 2 == 0 else (minimal, ours):
                starts[candidate.name].append(time_start(candidate, workdir))
        initialize = {name: [start.initialize_s for start in runs] for name, runs in starts.items()}
        tools_list = {name: [start.tools_list_s for start in runs] for name, runs in starts.items()}
        cpu = {name: [start.cpu_s for start in runs] for name, runs in starts.items()}
        ratio = middle(initialize[ours.name]) / middle(initialize[minimal.name])
        list_ratio = middle(tools_list[ours.name]) / middle(tools_list[minimal.name])
        cpu_ratio = middle(cpu[ours.name]) / middle(cpu[minimal.name])
        pair_ratios = [a / b for a, b in zip(initialize[ours.name], initialize[minimal.name], strict=True)]
        met = ratio <= TARGET_RATIO
        rows = [
            [
                f"`{candidate.label}`",
                f"{middle(initialize[candidate.name]) * 1000:.0f}",
                f"{percentile(initialize[candidate.name], 0.9) * 1000:.0f}",
                f"{min(initialize[candidate.name]) * 1000:.0f}",
                f"{middle(tools_list[candidate.name]) * 1000:.0f}",
                f"{middle(cpu[candidate.name]) * 1000:.0f}",
            ]
            for candidate in (ours, minimal)
        ]
        rows.append(
            ["**ratio of medians** (ours / minimal)", f"**{ratio:.2f}**", "", ""]
            + [f"{list_ratio:.2f}", f"{cpu_ratio:.2f}"]
        )
        bytecode = (
            "bytecode cached (as installed; see the module's docstring)"
            if cache_bytecode
            else "bytecode as the environment has it (`--compile-each-start`)"
        )
        summary = [
            f"Spawn to `initialize` answer over stdio, {pairs} pairs after one warm-up each, the order swapped "
            f"every pair; the ratio of each pair ranges {min(pair_ratios):.2f}-{max(pair_ratios):.2f} "
            f"(p10 {percentile(pair_ratios, 0.1):.2f}, p90 {percentile(pair_ratios, 0.9):.2f}). "
            "`tools/list` is sent after the `initialize` answer; its column is spawn to its answer. CPU is the "
            "process's user + system time (as `/usr/bin/time` reports it) until it is stopped after that answer: "
            "less sensitive than the wall clock to what else the machine runs. "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {bytecode}. The minimal server is an "
            "`MCPServer` with one tool: the floor any SDK server pays."
        ]
        if not met or force_explain:
            # Each profile spawns each server once under -X importtime and runs the build probe once.
            spawn_s = middle(initialize[ours.name]) + 0.5
            left_s = TIME_BUDGET_S - 5 - (time.perf_counter() - started)
            repeats = max(1, min(IMPORT_PROFILES, int(left_s // (3 * spawn_s))))
            from bench.startup_imports import explain  # imports this module: loaded only to explain a miss

            summary += ["", *explain(ours, minimal, workdir, repeats)]
    return BenchResult(
        title="Startup (spawn to `initialize` answer, stdio)",
        target=f"median at most {TARGET_RATIO:g} x the minimal server's",
        met=met,
        table=table(
            ["server", "median ms", "p90 ms", "min ms", "to `tools/list` answer, median ms", "CPU ms, median"], rows
        ),
        summary=summary,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=PAIRS, help=f"measured pairs of runs (default {PAIRS})")
    parser.add_argument("--explain", action="store_true", help="explain the import costs even when the target is met")
    parser.add_argument(
        "--compile-each-start",
        action="store_true",
        help="keep the environment's PYTHONDONTWRITEBYTECODE (default: bytecode cached, as installed)",
    )
    args = parser.parse_args(argv)
    return report(run(args.pairs, args.explain, cache_bytecode=not args.compile_each_start))


if __name__ == "__main__":
    raise SystemExit(main())
