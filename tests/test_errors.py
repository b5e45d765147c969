"""The exception hierarchy: each error's text leads with its stable code and ends with the next step."""

import re
from pathlib import Path

from truto_log_mcp import errors
from truto_log_mcp.boundary import error_result
from truto_log_mcp.errors import InvalidArgument, RateLimited


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


def _concrete_codes() -> set[str]:
    classes = [value for value in vars(errors).values() if isinstance(value, type)]
    found = {cls.code for cls in classes if issubclass(cls, errors.TrutoLogError)}
    return found - {errors.TrutoLogError.code, errors.UpstreamError.code} | {"internal_error"}


def test_the_error_codes_of_the_code_its_docstring_table_and_the_docs_table_are_the_same() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "tools.md").read_text()
    documented = set(re.findall(r"^\| `\[([a-z_]+)\]` \|", docs, flags=re.MULTILINE))
    in_docstring = set(re.findall(r"\[([a-z_]+)\]", errors.__doc__ or "")) | {"internal_error"}
    assert documented == _concrete_codes() == in_docstring
