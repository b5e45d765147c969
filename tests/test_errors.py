"""The exception hierarchy: each error's text leads with its stable code and ends with the next step."""

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
