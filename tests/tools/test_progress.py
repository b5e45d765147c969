"""CallProgress: a call's progress notifications, strictly increasing."""

from __future__ import annotations

import pytest

from truto_log_mcp.tools.progress import CallProgress

pytestmark = pytest.mark.anyio


class Sent:
    """The notifications a progress stream sends."""

    def __init__(self) -> None:
        self.values: list[tuple[float, float | None]] = []

    async def __call__(self, done: float, total: float | None, message: str | None) -> None:
        self.values.append((done, total))


async def test_a_progress_report_not_above_the_last_is_sent_just_above_it() -> None:
    sent = Sent()
    progress = CallProgress(sent, interval_s=60)
    await progress.report(400, 1000, None)
    await progress.report(400, 1000, None)
    assert sent.values == [(400, 1000), (400.6, 1000)]


async def test_a_progress_report_that_cannot_go_above_the_last_is_not_sent() -> None:
    sent = Sent()
    progress = CallProgress(sent, interval_s=60)
    await progress.report(1000, 1000, None)
    await progress.report(1000, 1000, None)
    assert sent.values == [(1000, 1000)]
