"""The exception hierarchy: each error's text leads with its stable code and ends with the next step."""

import re
from pathlib import Path

from truto_log_mcp import errors
from truto_log_mcp.boundary import error_result
from truto_log_mcp.errors import InvalidArgument, RateLimited, TrutoLogError, UpstreamError


def test_the_text_ends_with_the_next_step() -> None:
    text = InvalidArgument("`limit` is too big.", "Use at most 100.").tool_text()
    assert text == "[invalid_argument] `limit` is too big. Next: Use at most 100."


def test_an_error_without_a_next_step_of_its_own_uses_its_class_default() -> None:
    text = RateLimited("Truto rate limit hit (429).").tool_text()
    assert text.startswith("[rate_limited] Truto rate limit hit (429). Next: ")


def test_an_error_result_is_cut_at_the_answer_cap_saying_so() -> None:
    result = error_result(InvalidArgument("x" * 50_000), max_chars=10_000)
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error
    assert len(text) < 10_100
    assert text.startswith("[invalid_argument] xxx")
    assert "[cut: this answer was" in text


def _codes(error: type[TrutoLogError]) -> set[str]:
    """The codes of ``error``'s subclasses that are raised (``UpstreamError`` itself never is: it is a family)."""
    found = set()
    for subclass in error.__subclasses__():
        found.add(subclass.code)
        found |= _codes(subclass)
    return found - {UpstreamError.code}


TOOLS_PAGE = Path(__file__).parents[1] / "docs" / "tools.md"


def test_the_docs_table_of_error_codes_lists_exactly_the_codes_of_the_hierarchy() -> None:
    page = TOOLS_PAGE.read_text()
    table = page[page.index("## Errors") :].split("\n\n")[1]
    documented = set(re.findall(r"^\| `\[([a-z_]+)\]` \|", table, flags=re.MULTILINE))
    assert documented == _codes(TrutoLogError) | {"internal_error"}  # the boundary's answer to a bug


def test_the_hierarchy_in_the_errors_module_docstring_lists_every_code() -> None:
    drawn = set(re.findall(r"\[([a-z_]+)\]", errors.__doc__ or ""))
    assert drawn == _codes(TrutoLogError)
