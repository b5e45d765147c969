from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from truto_log_mcp.cli.main import main
from truto_log_mcp.views.page import MAX_VIEW_BYTES


def embedded(path: Path) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="truto-data">(.*?)</script>', path.read_text(), re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_call_html_writes_the_view_with_the_result_and_its_timeline(tmp_path: Path) -> None:
    out = tmp_path / "errors.html"
    assert main(["call", "--demo", "--html", str(out), "summarize_errors", '{"since": "24h"}']) == 0
    data = embedded(out)
    assert data["tool"] == "summarize_errors"
    assert set(data["tools"]) == {"error_timeline"}
    assert len(out.read_bytes()) < MAX_VIEW_BYTES + 200_000


def test_call_html_refuses_a_tool_without_a_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.html"
    assert main(["call", "--demo", "--html", str(out), "search_logs", "{}"]) == 2
    assert "has no view" in capsys.readouterr().err and not out.exists()
