"""A slow-client attack on loopback, and the /healthz probes that measure it (the suite's scaled run and
``bench/slow_clients.py``'s full-scale run share this code).

Each attacker holds one connection and sends a partial request, then one more header line every
``line_every_s`` seconds, never the blank line that ends the headers; when the server closes the
connection it reconnects at once, so the attack keeps its count of connections. Probes open a new
connection each and count as answered when ``GET /healthz`` gives 200 within ``PROBE_TIMEOUT_S``.
The attack runs in the caller's process: ``raise_own_file_limit`` makes room for its sockets.
"""

from __future__ import annotations

import resource
import socket
import sys
import time
from dataclasses import dataclass, field

import anyio
from anyio.abc import SocketStream

PROBE_TIMEOUT_S = 1.0
PARTIAL = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
PROBE = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def limited_files(max_files: int) -> list[str]:
    """The command prefix that runs ``python -m truto_log_mcp`` with ``RLIMIT_NOFILE`` lowered (soft and hard)
    before anything is imported: the file limit the server lives under during an attack."""
    launcher = (
        "import resource, runpy; "
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({max_files}, {max_files})); "
        "runpy.run_module('truto_log_mcp', run_name='__main__')"
    )
    return [sys.executable, "-c", launcher]


def raise_own_file_limit(needed: int) -> None:
    """The attacker's sockets need descriptors: raise this process's soft limit (within the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@dataclass(slots=True)
class Attack:
    connections: int
    line_every_s: float = 5.0
    opened: int = 0
    """Connections the attackers opened (reconnections included)."""
    dropped: int = 0
    """Connections the server closed under them."""
    refused: int = 0
    """Connection attempts that failed (the server's backlog full, or reset)."""
    probes: list[float | None] = field(default_factory=list)
    """Each probe's answer time in seconds, None when it got no 200 within PROBE_TIMEOUT_S."""

    @property
    def answered(self) -> float:
        return sum(probe is not None for probe in self.probes) / len(self.probes) if self.probes else 0.0

    async def hold(self, port: int) -> None:
        """One attacker, for as long as it is not cancelled."""
        while True:
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                self.refused += 1
                await anyio.sleep(0.05)
                continue
            self.opened += 1
            try:
                await stream.send(PARTIAL)
                await self._trickle(stream)
            except (OSError, anyio.BrokenResourceError, anyio.EndOfStream):
                pass
            finally:
                await stream.aclose()
            self.dropped += 1

    async def _trickle(self, stream: SocketStream) -> None:
        """A header line every ``line_every_s``, until the server closes the connection (``EndOfStream``)."""
        while True:
            with anyio.move_on_after(self.line_every_s):
                await stream.receive()  # whatever the server says, keep holding the connection
                continue
            await stream.send(b"X-Slow: 1\r\n")


def probe_now(port: int) -> float | None:
    """``GET /healthz`` on a new connection: the seconds to its 200, or None (no 200 within the timeout).

    Blocking, run in a thread: the attackers' event loop (in the same process, reconnecting as fast as the
    server closes them) would otherwise delay the probe's own request and measure the attacker, not the server."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_S) as connection:
            connection.sendall(PROBE)
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
                connection.settimeout(max(0.001, PROBE_TIMEOUT_S - (time.perf_counter() - started)))
    except OSError:  # refused, reset or timed out
        return None
    elapsed = time.perf_counter() - started
    return elapsed if answer.startswith(b"HTTP/1.1 200") and elapsed <= PROBE_TIMEOUT_S else None


async def probe(port: int) -> float | None:
    return await anyio.to_thread.run_sync(probe_now, port)


async def run_attack(port: int, attack: Attack, ramp_s: float, probing_s: float, probe_every_s: float = 0.1) -> None:
    """``attack.connections`` attackers for ``ramp_s`` seconds, then probes every ``probe_every_s`` for
    ``probing_s`` seconds while the attack goes on; the attackers are stopped (their sockets closed) at the end."""
    async with anyio.create_task_group() as attackers:
        for _ in range(attack.connections):
            attackers.start_soon(attack.hold, port)
        await anyio.sleep(ramp_s)
        ends = time.monotonic() + probing_s
        while time.monotonic() < ends:
            attack.probes.append(await probe(port))
            await anyio.sleep(probe_every_s)
        attackers.cancel_scope.cancel()


async def time_to_recover(port: int, within_s: float = 10.0) -> float | None:
    """Seconds from now until a probe is answered again, or None if none is within ``within_s``."""
    started = time.perf_counter()
    while time.perf_counter() - started < within_s:
        if await probe(port) is not None:
            return time.perf_counter() - started
        await anyio.sleep(0.05)
    return None
