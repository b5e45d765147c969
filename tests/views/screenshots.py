"""Regenerates the README's pictures of the views: ``python -m tests.views.screenshots`` (needs what the browser
tests need: Chromium, Playwright for Python, the host's npm packages). The views are shown exactly as the
browser tests show them: through the ext-apps AppBridge host page, with results recorded on the seeded sandbox."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.views import browser

PICTURES = Path(__file__).parents[2] / "docs" / "images"
SHOWN = {
    "view-error-timeline.png": ("log_stats", 1000, "light"),
    "view-sync-run.png": ("trace_failed", 1000, "light"),
    "view-sync-run-400-dark.png": ("trace_paused", 400, "dark"),
}


def main() -> int:
    lack = browser.missing()
    if lack is not None:
        print(f"screenshots: no {lack}: {browser.INSTALL_HINT}", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    recorded = browser.record()
    PICTURES.mkdir(parents=True, exist_ok=True)
    with browser.serve_host(browser.build_host()) as url, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        for name, (fixture, width, theme) in SHOWN.items():
            page = browser.show_view(chromium, url, recorded[fixture], width, theme, height=2400)
            if fixture == "log_stats":  # with one bucket's groups and refs open, as after a click
                bars = page.frame_locator("#view").locator("g.bar")
                counts = [int(bars.nth(i).get_attribute("data-errors") or 0) for i in range(bars.count())]
                bars.nth(counts.index(max(counts))).click()
            page.wait_for_timeout(500)  # the host resizes the frame to the view's reported height
            page.locator("#view").screenshot(path=str(PICTURES / name))
            print(f"screenshots: wrote docs/images/{name}")
        chromium.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
