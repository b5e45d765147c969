"""Upstream HTTP statuses mapped to the exception hierarchy in one place: texts that lead the model on, no secrets."""

from __future__ import annotations

import pytest

from truto_log_mcp.errors import (
    AuthFailed,
    RateLimited,
    UpstreamError,
    UpstreamRejected,
    UpstreamUnavailable,
)
from truto_log_mcp.upstream.statuses import error_for_status, redact_secrets


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [
        (400, UpstreamRejected, "upstream_rejected"),
        (401, AuthFailed, "auth_failed"),
        (403, AuthFailed, "auth_failed"),
        (404, UpstreamRejected, "upstream_rejected"),
        (429, RateLimited, "rate_limited"),
        (500, UpstreamUnavailable, "upstream_unavailable"),
        (502, UpstreamUnavailable, "upstream_unavailable"),
        (503, UpstreamUnavailable, "upstream_unavailable"),
        (504, UpstreamUnavailable, "upstream_unavailable"),
    ],
)
def test_each_status_maps_to_its_error_and_code(status: int, kind: type[UpstreamError], code: str) -> None:
    error = error_for_status(status, {"statusCode": status, "error": "E", "message": "m"})
    assert type(error) is kind
    assert error.tool_text().startswith(f"[{code}] ")
    assert error.status == status


def test_the_upstream_message_is_kept() -> None:
    error = error_for_status(400, {"statusCode": 400, "error": "Bad Request", "message": '"limit" must be <= 100'})
    assert '"limit" must be <= 100' in error.tool_text()


def test_503_says_retrying_will_not_help() -> None:
    assert "will not help" in error_for_status(503, None).tool_text()


def test_rate_limited_says_how_long_to_wait() -> None:
    assert "Wait 10 s" in error_for_status(429, None, retry_after=10).tool_text()


def test_an_echoed_token_is_redacted_from_the_upstream_message() -> None:
    body = {"message": "bad request with token tk_live_123456789 (Authorization: Bearer tk_live_123456789)"}
    text = error_for_status(400, body, secrets=("tk_live_123456789",)).tool_text()
    assert "tk_live_123456789" not in text
    assert "[redacted]" in text


@pytest.mark.parametrize(
    "text",
    ["Bearer abcdefgh1234", "token=abcdefgh1234", "Authorization: Bearer abcdefgh1234", "api_key: abcdefgh1234"],
)
def test_credentials_after_their_keyword_are_redacted_even_unknown(text: str) -> None:
    assert "abcdefgh1234" not in redact_secrets(text)


def test_prose_about_tokens_is_kept() -> None:
    assert redact_secrets("Token refresh failed: invalid_grant") == "Token refresh failed: invalid_grant"


@pytest.mark.parametrize("echoed", ["s3cr%2Ft+k%3Dy", "s3cr%2Ft%2Bk%3Dy", "s3cr%2Ft%20k%3Dy"])
def test_a_known_secret_echoed_percent_encoded_is_redacted(echoed: str) -> None:
    secret = "s3cr/t+k=y" if "%2B" in echoed else "s3cr/t k=y"
    assert redact_secrets(f"bad query ?x={echoed}", (secret,)) == "bad query ?x=[redacted]"
