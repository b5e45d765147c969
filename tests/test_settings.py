"""Settings from the environment: defaults, and a base URL that keeps the token off the network in clear."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from truto_log_mcp.cli.main import main
from truto_log_mcp.settings import Settings
from truto_log_mcp.upstream.client import RetryPolicy


def test_defaults_point_at_truto() -> None:
    settings = Settings()
    assert settings.base_url == "https://api.truto.one"
    assert settings.api_token is None


def test_the_token_is_read_from_the_environment_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_API_TOKEN", "tk_secret_value")
    settings = Settings()
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == "tk_secret_value"
    assert "tk_secret_value" not in repr(settings) + str(settings)


@pytest.mark.parametrize("url", ["https://api.truto.one", "http://127.0.0.1:8787", "http://localhost:8787"])
def test_https_or_a_loopback_http_base_url_is_accepted(url: str) -> None:
    assert Settings(base_url=url).base_url == url


@pytest.mark.parametrize("url", ["http://api.truto.one", "http://10.0.0.5:8787", "ftp://api.truto.one"])
def test_a_base_url_that_would_send_the_token_in_clear_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="https://"):
        Settings(base_url=url)


def test_the_cli_refuses_a_bad_configuration_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUTO_BASE_URL", "http://api.truto.one")
    assert main(["call", "describe_log_types"]) == 2
    assert "TRUTO_BASE_URL: must be an https:// URL" in capsys.readouterr().err


def test_the_back_off_defaults_are_the_retry_policy_s() -> None:
    settings = Settings()
    assert (settings.backoff_initial_s, settings.backoff_max_s) == (0.5, 8.0)
    assert (settings.backoff_initial_s, settings.backoff_max_s) == (
        RetryPolicy().backoff_initial_s,
        RetryPolicy().backoff_max_s,
    )


def test_the_back_off_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_BACKOFF_INITIAL_S", "0.01")
    monkeypatch.setenv("TRUTO_BACKOFF_MAX_S", "0.02")
    settings = Settings()
    assert (settings.backoff_initial_s, settings.backoff_max_s) == (0.01, 0.02)


def test_the_log_level_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_LOG_LEVEL", "debug")
    assert Settings().log_level == "DEBUG"


def test_the_scan_cache_is_on_by_default_and_turned_off_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().scan_cache == "on"
    monkeypatch.setenv("TRUTO_SCAN_CACHE", "OFF")
    assert Settings().scan_cache == "off"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("TRUTO_LOG_LEVEL", "verbose", "TRUTO_LOG_LEVEL: accepts DEBUG, INFO, WARNING, ERROR (any case)."),
        ("TRUTO_RATE_BUDGET", "1000", "TRUTO_RATE_BUDGET: accepts integer, 1 to 500."),
        ("TRUTO_SCAN_CONCURRENCY", "many", "TRUTO_SCAN_CONCURRENCY: accepts integer, 1 to 32."),
        ("TRUTO_MULTI_USER", "maybe", "TRUTO_MULTI_USER: accepts true, false."),
        ("TRUTO_SCAN_CACHE", "false", "TRUTO_SCAN_CACHE: accepts on, off."),
    ],
)
def test_a_configuration_error_names_the_variable_and_what_it_accepts_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["call", "describe_log_types"]) == 2
    err = capsys.readouterr().err
    assert err == f"truto-log-mcp: invalid configuration: {said}\n"
    assert "pydantic" not in err and "http" not in err


def test_a_variable_name_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("truto_Rate_Budget", "100")
    assert Settings().rate_budget == 100


def test_a_value_given_to_the_constructor_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_BASE_URL", "https://from.environment.example")
    assert Settings(base_url="https://given.example").base_url == "https://given.example"


def test_an_unknown_truto_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_NO_SUCH_SETTING", "1")
    monkeypatch.setenv("TRUTO_", "1")
    assert Settings().rate_budget == 250


def test_a_list_is_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUTO_MCP_ALLOWED_HOSTS", "logs.example.com, 10.0.0.5:8000,")
    assert Settings().mcp_allowed_hosts == ["logs.example.com", "10.0.0.5:8000"]


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        Settings().rate_budget = 1  # type: ignore[misc]
