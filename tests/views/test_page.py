from __future__ import annotations

import base64
import hashlib
import json
import re
from types import ModuleType

import pytest

from truto_log_mcp.views import sync_run, timeline
from truto_log_mcp.views.apps import view_page
from truto_log_mcp.views.page import MAX_VIEW_BYTES, safe_json

HOSTILE = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> & \u2028\u2029"


@pytest.mark.parametrize("view", [timeline, sync_run])
def test_a_view_page_is_at_most_60_kb(view: ModuleType) -> None:
    assert len(view_page(view).encode()) <= MAX_VIEW_BYTES


@pytest.mark.parametrize("view", [timeline, sync_run])
def test_a_view_page_loads_nothing_from_the_network(view: ModuleType) -> None:
    page = view_page(view)
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.replace("http://www.w3.org/2000/svg", "")) == []
    assert "default-src 'none'" in page


@pytest.mark.parametrize("view", [timeline, sync_run])
def test_the_policy_allows_exactly_the_page_scripts(view: ModuleType) -> None:
    page = view_page(view)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    policy = re.search(r"script-src ([^\"]+)\"", page)
    assert policy is not None and set(policy.group(1).split()) == hashes


def test_embedded_json_cannot_close_its_script_element() -> None:
    text = safe_json({"note": HOSTILE})
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"note": HOSTILE}


def test_an_embedded_result_adds_no_script_element() -> None:
    page = view_page(sync_run, {"result": {"structuredContent": {"note": HOSTILE}}})
    assert page.count("<script") == 3  # the data element, the bridge, the view
    assert page.count("</script>") == 3
