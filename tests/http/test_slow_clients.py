"""Slow clients cannot exhaust the server before authentication (a scaled run of ``bench/slow_clients.py``).

The server runs with ``RLIMIT_NOFILE`` 256 and 300 connections that never finish their headers (a partial
header line, then one more every 5 s, reconnecting when dropped) are held against it from this process:
more connections than the server has descriptors. ``/healthz`` must still answer, the log must not fill
with accept errors, and a connection that trickles header bytes is closed at the header deadline.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from tests.http.deployment import Served, start, stop, wait_ready
from tests.http.slowloris import PARTIAL, Attack, limited_files, raise_own_file_limit, run_attack, time_to_recover

MAX_FILES = 256
ATTACKERS = 300


@dataclass
class Outcome:
    attack: Attack
    recovered_s: float | None
    log_bytes: int


@dataclass
class Deployment:
    attacked: Served
    """--demo under RLIMIT_NOFILE 256, default header deadline."""
    quick: Served
    """--demo with a 1 s header deadline."""


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with tempfile.TemporaryDirectory() as directory:
        logs = Path(directory)
        started = [
            start(["--demo"], {}, logs, python=limited_files(MAX_FILES)),
            start(["--demo"], {"TRUTO_MCP_HEADER_TIMEOUT_S": "1"}, logs),
        ]
        try:
            attacked, quick = (wait_ready(served) for served in started)
            yield Deployment(attacked, quick)
        finally:
            for served in started:
                stop(served)


def port_of(served: Served) -> int:
    return int(served.base.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def outcome(deployment: Deployment) -> Outcome:
    raise_own_file_limit(ATTACKERS + 256)
    port = port_of(deployment.attacked)
    attack = Attack(ATTACKERS)
    anyio.run(run_attack, port, attack, 0.5, 2.0)
    recovered = anyio.run(time_to_recover, port, 5.0)
    return Outcome(attack, recovered, len(deployment.attacked.stderr().encode()))


def test_healthz_answers_during_a_slow_client_attack(outcome: Outcome) -> None:
    attack = outcome.attack
    assert attack.opened >= ATTACKERS  # the attack really held more connections than the server has files
    assert attack.answered >= 0.9, f"{attack.answered:.0%} of {len(attack.probes)} probes answered within 1 s"


def test_the_server_answers_at_once_when_the_attack_ends(outcome: Outcome) -> None:
    assert outcome.recovered_s is not None and outcome.recovered_s < 1.0


def test_accept_errors_are_not_logged_in_a_loop(outcome: Outcome) -> None:
    # Before the bound, EMFILE at accept was logged with its traceback up to 2,048 times a loop turn (95 MB in 20 s).
    assert outcome.log_bytes < 20_000


def test_trickling_header_bytes_does_not_hold_a_connection_past_the_header_deadline(deployment: Deployment) -> None:
    async def trickle() -> float:
        started = time.monotonic()
        async with await anyio.connect_tcp("127.0.0.1", port_of(deployment.quick)) as stream:
            await stream.send(PARTIAL)
            with anyio.fail_after(5):  # a keep-alive timer would restart on every byte: the connection would live on
                while True:
                    await anyio.sleep(0.2)
                    try:
                        await stream.send(b"X")
                    except (anyio.BrokenResourceError, OSError):
                        break
                    with anyio.move_on_after(0.01):
                        try:
                            await stream.receive()
                        except (anyio.EndOfStream, OSError):
                            break
        return time.monotonic() - started

    assert 0.9 < anyio.run(trickle) < 2.5
