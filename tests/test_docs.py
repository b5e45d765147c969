"""The docs against the code: the generated configuration table, the links, the module map, the layering.

The rule table and the analysis tables of ``docs/tools.md`` are checked in ``tests/test_rules.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from truto_log_mcp.docs import settings_markdown
from truto_log_mcp.settings import Settings

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "truto_log_mcp"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def between(text: str, marker: str) -> str:
    start = text.index(f"<!-- {marker}:start -->") + len(f"<!-- {marker}:start -->")
    return text[start : text.index(f"<!-- {marker}:end -->")].strip()


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose_lines(page.read_text()):
        match = HEADING.match(line)
        if match is None:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    prose = "\n".join(CODE_SPAN.sub("code", line) for line in prose_lines(page.read_text()))
    return [target for target in LINK.findall(prose) if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def test_the_configuration_page_shows_the_settings_model_as_generated() -> None:
    assert between((DOCS / "configuration.md").read_text(), "settings-table") == settings_markdown()


def test_every_setting_has_a_description() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_the_configuration_table_is_the_only_table_of_settings() -> None:
    """A row that starts with a ``TRUTO_*`` variable defines a setting: only docs/configuration.md has them."""
    elsewhere = [
        f"{page.relative_to(ROOT)}: {line}"
        for page in PAGES
        if page != DOCS / "configuration.md"
        for line in prose_lines(page.read_text())
        if re.match(r"^\|\s*`?TRUTO_", line)
    ]
    assert elsewhere == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_point_to_existing_files_and_headings(page: Path) -> None:
    broken: list[str] = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no such heading in {linked.relative_to(ROOT)}")
    assert broken == []


def test_the_module_map_lists_exactly_the_modules_of_the_package() -> None:
    page = (DOCS / "architecture.md").read_text()
    listed = set(re.findall(r"^\|\s*`([\w/]+\.py)`\s*\|", between(page, "module-map"), re.MULTILINE))
    modules = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py") if path.name != "__init__.py"}
    assert sorted(modules - listed) == [], "modules missing from the module map of docs/architecture.md"
    assert sorted(listed - modules) == [], "rows of the module map for modules that are not in the tree"
