"""The views in a real headless Chromium, through the official MCP Apps host bridge (ext-apps' AppBridge):
what a person sees matches the recorded results, and hostile row text shows as text with no script run.

Skipped with an install hint where Chromium, Playwright or the host's npm packages are missing; with
TRUTO_REQUIRE_BROWSER=1 (set by .ci/run) a missing piece fails instead. Screenshots (400 and 1,000 px,
light and dark) are kept in tests/views/artifacts/.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.views import browser

if (lack := browser.missing()) is not None:
    if os.environ.get("TRUTO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser tests need {lack}: {browser.INSTALL_HINT}", pytrace=False)
    pytest.skip(f"no {lack}: {browser.INSTALL_HINT}", allow_module_level=True)

from playwright.sync_api import Browser, FrameLocator, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict[str, Any]]:
    return browser.record()


@pytest.fixture(scope="module")
def host_url() -> Iterator[str]:
    with browser.serve_host(browser.build_host()) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        yield launched
        launched.close()


def show(chromium: Browser, host_url: str, fixture: dict[str, Any], width: int = 1000, theme: str = "light") -> Page:
    return browser.show_view(chromium, host_url, fixture, width, theme, height=2400)


def view(page: Page) -> FrameLocator:
    return page.frame_locator("#view")


def pwned(page: Page) -> list[Any]:
    frame = page.frames[1]
    return [frame.evaluate("window.__pwned"), page.evaluate("window.__pwned")]


def test_log_stats_bars_match_the_result(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    fixture = recorded["log_stats"]
    page = show(chromium, host_url, fixture)
    bars = view(page).locator("g.bar")
    detail = fixture["appTools"]["error_timeline"]["structuredContent"]["buckets"]
    assert bars.count() == len(detail)
    shown = [int(bars.nth(i).get_attribute("data-errors") or -1) for i in range(bars.count())]
    assert shown == [bucket["errors"] for bucket in detail]
    # And the result's own buckets (from its first row's to its last row's), by start: the same counts.
    by_start = {bars.nth(i).get_attribute("data-start"): shown[i] for i in range(bars.count())}
    for bucket in fixture["toolResult"]["structuredContent"]["buckets"]:
        assert by_start.pop(bucket["start"]) == bucket["errors"]
    assert set(by_start.values()) <= {0}
    for i in range(bars.count()):
        segments = bars.nth(i).locator("rect.segment")
        assert sum(int(segments.nth(j).get_attribute("data-count") or 0) for j in range(segments.count())) == shown[i]
    assert view(page).locator("rect.previous").count() > 0  # compare_previous: the previous window, faint
    assert page.evaluate("window.appToolCalls.map(call => call.name)") == ["error_timeline"]


def test_hover_shows_counts_and_click_shows_the_bucket_groups_with_refs(
    chromium: Browser, host_url: str, recorded: dict[str, Any]
) -> None:
    fixture = recorded["log_stats"]
    page = show(chromium, host_url, fixture)
    detail = fixture["appTools"]["error_timeline"]["structuredContent"]
    index = max(range(len(detail["buckets"])), key=lambda i: detail["buckets"][i]["errors"])
    bucket = detail["buckets"][index]
    bar = view(page).locator("g.bar").nth(index)
    bar.hover()
    assert f"{bucket['errors']} errors" in view(page).locator(".tip").inner_text()
    bar.click()
    rows = view(page).locator(".panel tr[data-label]")
    assert rows.count() == len(bucket["groups"])
    first = bucket["groups"][0]
    assert rows.nth(0).locator("td").nth(1).inner_text() == str(first["count"])
    assert rows.nth(0).locator("td.ref").inner_text() == " ".join(first["refs"])


def test_summarize_errors_stacks_every_error_by_cause(
    chromium: Browser, host_url: str, recorded: dict[str, Any]
) -> None:
    fixture = recorded["summarize_errors"]
    page = show(chromium, host_url, fixture)
    detail = fixture["appTools"]["error_timeline"]["structuredContent"]
    shown = view(page).locator("g.bar")
    total = sum(int(shown.nth(i).get_attribute("data-errors") or 0) for i in range(shown.count()))
    assert total == sum(bucket["errors"] for bucket in detail["buckets"])
    assert total + detail["untimed"] == fixture["toolResult"]["structuredContent"]["errors"]
    assert view(page).locator(".legend").inner_text().split("\n")[0] == detail["labels"][0]


def test_a_partial_read_is_said_above_the_bars(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    fixture = copy.deepcopy(recorded["summarize_errors"])
    coverage = fixture["toolResult"]["structuredContent"]["coverage"][0]
    coverage.update(complete=False, stopped_by="row_budget", unread=["2026-11-29T02:00:00Z/2026-11-29T04:00:00Z"])
    page = show(chromium, host_url, fixture)
    note = view(page).locator(".partial").inner_text()
    assert note.startswith("Partial") and f"{coverage['log_type']} 2026-11-29T02:00:00Z/2026-11-29T04:00:00Z" in note


def test_a_complete_read_says_nothing_of_partial(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    page = show(chromium, host_url, recorded["summarize_errors"])
    view(page).locator("g.bar").first.wait_for()
    assert view(page).locator(".partial").count() == 0


def test_the_run_stop_point_pages_and_records_are_marked(
    chromium: Browser, host_url: str, recorded: dict[str, Any]
) -> None:
    fixture = recorded["trace_failed"]
    content = fixture["toolResult"]["structuredContent"]
    page = show(chromium, host_url, fixture)
    stop = view(page).locator("g.stop")
    assert stop.get_attribute("data-time") == (content["ended_at"] or content["last_event_at"])
    assert "stopped: " + content["outcome"] in (stop.text_content() or "")
    pages = [
        row
        for row in content["timeline"]
        if row[1] == "rapid_bridge" and row[5] is not None and row[2] not in ("completed", "failed")
    ]
    assert pages
    marks = view(page).locator("rect.page")
    assert [int(marks.nth(i).get_attribute("data-records") or -1) for i in range(marks.count())] == [
        row[5] for row in pages
    ]


def test_the_rate_limit_pause_is_drawn(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    page = show(chromium, host_url, recorded["trace_paused"])
    assert view(page).locator("rect.pause").count() >= 1


def test_failed_deliveries_are_marked(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    fixture = recorded["trace_undelivered"]
    failed = [row for row in fixture["toolResult"]["structuredContent"]["timeline"] if row[1] == "webhook" and row[7]]
    page = show(chromium, host_url, fixture)
    assert failed and view(page).locator("path.failed-delivery").count() == len(failed)


def test_the_runs_strip_draws_every_listed_run(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    fixture = recorded["list_sync_runs"]
    runs = fixture["toolResult"]["structuredContent"]["runs"]
    page = show(chromium, host_url, fixture)
    bars = view(page).locator("rect.run")
    assert bars.count() == len(runs)
    assert [bars.nth(i).get_attribute("data-outcome") for i in range(bars.count())] == [run["outcome"] for run in runs]


@pytest.mark.parametrize("name", ["log_stats", "trace_failed", "list_sync_runs"])
def test_hostile_row_text_is_shown_as_text_and_runs_nothing(
    chromium: Browser, host_url: str, recorded: dict[str, Any], name: str
) -> None:
    page = show(chromium, host_url, browser.hostile(recorded[name]))
    if name == "log_stats":
        view(page).locator("g.bar[data-errors]:not([data-errors='0'])").first.click()
    frame = view(page)
    text = frame.locator("body").inner_text()
    assert sum(value in text for value in browser.HOSTILE_VALUES) >= 3
    assert frame.locator("img, a, iframe, object, embed, svg svg, [onerror], [onload]").count() == 0
    assert frame.locator("script").count() == 0 or all(
        "__pwned" not in (frame.locator("script").nth(i).text_content() or "")
        for i in range(frame.locator("script").count())
    )
    assert pwned(page) == [None, None]


def test_the_host_theme_is_followed(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    page = show(chromium, host_url, recorded["trace_failed"], theme="dark")
    background = page.frames[1].evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    page.evaluate("window.bridge.setHostContext({theme: 'light'})")
    page.wait_for_timeout(200)
    assert page.frames[1].evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


def test_readable_at_400_px(chromium: Browser, host_url: str, recorded: dict[str, Any]) -> None:
    for name in ("log_stats", "trace_failed", "list_sync_runs"):
        page = show(chromium, host_url, recorded[name], width=400)
        frame = page.frames[1]
        assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name


def test_call_html_opens_offline_and_runs_no_row_script(chromium: Browser, tmp_path: Path) -> None:
    out = tmp_path / "run.html"
    completed = subprocess.run(
        [sys.executable, "-m", "truto_log_mcp", "call", "--demo", "--html", str(out), "list_sync_runs", '{"limit": 5}'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    written = out.read_text()
    assert written.count('"first_error":null') >= 1
    out.write_text(written.replace('"first_error":null', '"first_error":' + browser.safe_hostile_json()))
    page = chromium.new_page(offline=True)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(out.as_uri())
    page.locator("h1").wait_for()
    assert page.locator("rect.run").count() == 5
    assert browser.HOSTILE_VALUES[0] in page.locator("body").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert requests == [out.as_uri()]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [400, 1000])
def test_screenshots(chromium: Browser, host_url: str, recorded: dict[str, Any], width: int, theme: str) -> None:
    browser.ARTIFACTS.mkdir(exist_ok=True)
    for name in ("log_stats", "summarize_errors", "trace_failed", "list_sync_runs"):
        page = show(chromium, host_url, recorded[name], width=width, theme=theme)
        path = browser.ARTIFACTS / f"{name}-{width}-{theme}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000


@pytest.fixture(scope="module")
def recorded_hostile() -> dict[str, dict[str, Any]]:
    return browser.record_hostile()


@pytest.mark.parametrize("tool", ["summarize_errors", "trace_sync_run", "list_sync_runs"])
def test_hostile_html_in_the_logs_reaches_the_view_as_text_end_to_end(
    chromium: Browser, host_url: str, recorded_hostile: dict[str, Any], tool: str
) -> None:
    page = show(chromium, host_url, recorded_hostile[tool])
    frame = view(page)
    if tool == "summarize_errors":
        frame.locator("g.bar[data-errors]:not([data-errors='0'])").first.click()
    text = frame.locator("body").inner_text()
    assert any(value in text for value in browser.HOSTILE_VALUES)
    assert frame.locator("img, a, iframe, object, embed, svg svg, [onerror], [onload]").count() == 0
    assert pwned(page) == [None, None]


def test_a_view_redraws_at_its_new_width_without_asking_the_host_again(
    chromium: Browser, host_url: str, recorded: dict[str, Any]
) -> None:
    page = show(chromium, host_url, recorded["log_stats"])
    page.set_viewport_size({"width": 420, "height": 2400})
    page.wait_for_timeout(600)
    frame = page.frames[1]
    assert frame.evaluate("document.querySelector('svg.chart').getAttribute('width')") == "396"
    assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.evaluate("window.appToolCalls.length") == 1
