"""The exception hierarchy: each error's text leads with its stable code and ends with the next step."""

from truto_log_mcp.errors import InvalidArgument, RateLimited


def test_the_text_ends_with_the_next_step() -> None:
    text = InvalidArgument("`limit` is too big.", "Use at most 100.").tool_text()
    assert text == "[invalid_argument] `limit` is too big. Next: Use at most 100."


def test_an_error_without_a_next_step_of_its_own_uses_its_class_default() -> None:
    text = RateLimited("Truto rate limit hit (429).").tool_text()
    assert text.startswith("[rate_limited] Truto rate limit hit (429). Next: ")
