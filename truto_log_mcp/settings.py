"""Runtime settings: one object, built in ``cli.main()`` from the environment and passed down.

Only ``TRUTO_API_TOKEN`` and ``TRUTO_BASE_URL`` are part of the public contract; the other
``TRUTO_*`` knobs have defaults chosen for an interactive assistant and are documented in docs/configuration.md.
Read from the environment by ``environment.FromEnvironment`` (not pydantic-settings: see there).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator

from truto_log_mcp.environment import FromEnvironment

TOKEN_HEADER = "x-truto-api-token"
"""The header that carries each client's own Truto token in multi-user HTTP mode."""


class Settings(FromEnvironment):
    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    api_token: SecretStr | None = Field(
        None,
        description=(
            "Truto API token. Secret: never printed, logged or returned. Without it, tools answer `[auth_failed]`"
            " saying how to set it. Not used in multi-user mode or with `--demo`."
        ),
    )
    base_url: str = Field(
        "https://api.truto.one",
        description=(
            "Truto API base URL. `https://` only; plain `http://` is accepted for loopback alone (a local "
            "sandbox), so that the token never crosses a network in clear."
        ),
    )
    multi_user: bool = Field(
        False,
        description=(
            "HTTP (`--multi-user`): the server holds no Truto token; each client sends its own in the "
            "`x-truto-api-token` header."
        ),
    )
    redact: bool = Field(
        False,
        description="Replace IP and e-mail addresses in every row by `<ip>` / `<email>` as rows arrive (`--redact`).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", description="stderr log level (`DEBUG` logs every upstream request, without the token)."
    )

    # The time defaults fit inside the 60 s that many MCP clients wait for an answer (the official
    # TypeScript SDK's default request timeout): a hung upstream is reported after about 30 s (3
    # attempts of 10 s and two short back-offs; an analysis stops reading at 30 s), and no call runs
    # past 40 s. tests/faults/test_deadlines.py checks these sums.
    request_timeout_s: float = Field(10.0, gt=0, le=300, description="Timeout of one HTTP request.")
    call_deadline_s: float = Field(
        40.0,
        gt=0,
        le=900,
        description=(
            "Overall deadline of one tool call: all requests, retries and waits. Keep it under your MCP client's "
            "request timeout (60 s for many)."
        ),
    )
    progress_interval_s: float = Field(
        3.0,
        gt=0,
        le=60,
        description=(
            "Longest time a tool call goes without a progress notification (to clients that ask for them): a call "
            "waiting on the upstream, a back-off or the rate budget still reports, so that clients that reset "
            "their timeout on progress keep waiting."
        ),
    )
    max_attempts: int = Field(
        3,
        ge=1,
        le=10,
        description=(
            "Attempts per upstream request (1 = no retry). 429, 500, 502, 504, timeouts and connection failures "
            "are retried."
        ),
    )
    retry_after_cap_s: float = Field(
        15.0,
        ge=0,
        le=120,
        description="Longest `Retry-After` waited out; a longer one answers `[rate_limited]` at once, with the wait.",
    )
    backoff_initial_s: float = Field(
        0.5,
        gt=0,
        le=60,
        description="First back-off before retrying a 5xx or timeout (doubles each attempt, plus jitter).",
    )
    backoff_max_s: float = Field(
        8.0, gt=0, le=300, description="Longest back-off between two attempts, jitter included."
    )

    rate_budget: int = Field(
        250,
        ge=1,
        le=500,
        description=(
            "Upstream requests per 10 s per Truto token (Truto allows 500). Each process counts its own: with N "
            "replicas, at most 500 / N."
        ),
    )

    max_token_budgets: int = Field(
        4096,
        ge=1,
        le=1_000_000,
        description=(
            "Multi-user HTTP: distinct Truto tokens whose request budget is kept (about 2 KB each); past this, the "
            "least recently used is forgotten. Bounds the memory that callers sending ever new tokens can take."
        ),
    )

    scan_concurrency: int = Field(8, ge=1, le=32, description="Sub-windows an analysis reads at once.")
    scan_max_rows: int = Field(
        50_000,
        ge=100,
        le=200_000,
        description="Default row budget of an analysis (a call's `max_rows` may raise it to 200,000).",
    )
    scan_max_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Time budget of an analysis's scan (within the call deadline; what is not read is stated).",
    )
    scan_cache: Literal["on", "off"] = Field(
        "on",
        description=(
            "Whether analyses answer time ranges they already read from the scan cache (per Truto token, log type "
            "and filters); only the rest is read upstream, and each answer's coverage says what came from the cache "
            "and how old it is."
        ),
    )
    scan_cache_max_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024 * 1024,
        le=16 * 1024 * 1024 * 1024,
        description=(
            "Bytes the scan cache may hold (rows compressed; in the state store when it is sqlite or Redis, else in "
            "memory); when full, the token holding the most loses its least recently used range."
        ),
    )
    scan_cache_settle_s: float = Field(
        300.0,
        ge=0,
        le=86_400,
        description=(
            "Rows younger than this when read are never cached (they may still arrive late): the newest part of "
            "a window is always read again."
        ),
    )
    scan_cache_ttl_s: float = Field(
        3600.0, gt=0, le=7 * 86_400, description="How long a read time range is answered from the scan cache."
    )

    onset_lookback_h: float = Field(
        168.0,
        ge=0,
        le=168,
        description=(
            "Longest look-back of `summarize_errors` before its window, to tell whether each error group is new "
            "and when it began: one window length, at most this many hours (0: no look-back)."
        ),
    )

    max_scans_per_session: int = Field(
        2,
        ge=1,
        le=16,
        description=(
            "Analyses (`summarize_errors`, `log_stats`, `trace_sync_run`) one MCP session may run at once; one "
            "more answers `[busy]`."
        ),
    )

    max_scans_per_principal: int = Field(
        8,
        ge=1,
        le=256,
        description=(
            "HTTP: analyses one principal may run at once without an MCP session (protocol 2026-07-28, or "
            "`--stateless`): per Truto token in multi-user mode, for the whole team otherwise; one more answers "
            "`[busy]`."
        ),
    )

    cursor_ttl_s: float = Field(3600.0, gt=0, description="Lifetime of cursor handles and row refs.")
    state_url: str | None = Field(
        None,
        description=(
            "Where cursor handles, row refs, the ids answers named, the scan cache and the rate budget live:"
            " `memory://` (this process; the default of"
            " `serve`), `sqlite:///PATH` (a file every process of this machine shares; the default of `call` and"
            " `demo`, in the user's cache directory), `redis://HOST:PORT/DB` (replicas of one deployment; needs"
            " `truto-log-mcp[redis]`). See docs/deployment.md."
        ),
    )
    max_cursors: int = Field(
        1000,
        ge=1,
        description="Cursor handles kept; when full, the owner holding the most loses its least recently used.",
    )
    max_refs: int = Field(
        5000,
        ge=1,
        description="Row refs kept for `get_log`; when full, the owner holding the most loses its least recently used.",
    )
    max_store_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024 * 1024,
        description="Bytes of rows each handle store (cursors, refs) may hold (evicted as for the count).",
    )

    search_page_budget: int = Field(
        10, ge=1, le=100, description="Upstream pages one `search_logs` call may read to fill `limit` after `match`."
    )
    max_response_chars: int = Field(
        100_000,
        ge=10_000,
        le=1_000_000,
        description="Hard cap on the characters of one answer's text (a cut is stated).",
    )
    response_token_budget: int = Field(
        6000,
        ge=500,
        le=50_000,
        description="Approximate tokens of one answer's text; rows beyond it wait for the next page (the cursor).",
    )

    # Streamable HTTP (``serve --transport http``); see docs/http.md. Ignored on stdio.
    mcp_bearer_token: SecretStr | None = Field(
        None,
        description=(
            "HTTP: the token clients must send as `Authorization: Bearer ...`; at least 32 characters; required "
            "for any bind but loopback. Secret: never printed, logged or returned; environment only (no flag)."
        ),
    )
    mcp_allowed_hosts: list[str] = Field(
        default_factory=list,
        description=(
            "HTTP (`--allowed-host`): `Host` values accepted besides loopback and the bound "
            "address, e.g. `logs.example.com,10.0.0.5:8000`; a name without a port allows any port."
        ),
    )
    mcp_allowed_origins: list[str] = Field(
        default_factory=list,
        description=(
            "HTTP (`--allowed-origin`): `Origin` values accepted besides loopback origins, e.g. "
            "`https://logs.example.com`."
        ),
    )
    mcp_max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="HTTP: largest request body; a larger one answers 413.",
    )
    mcp_max_sessions: int = Field(
        256, ge=1, le=100_000, description="HTTP: MCP sessions open at once; one more answers 503 until one ends."
    )
    mcp_max_sessions_per_principal: int = Field(
        16,
        ge=1,
        le=100_000,
        description=(
            "HTTP, multi-user mode: MCP sessions one user (Truto token) may hold at once; one more answers 429 "
            "until one ends. With one shared token, `TRUTO_MCP_MAX_SESSIONS` is the only cap."
        ),
    )
    mcp_session_idle_s: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description=(
            "HTTP: an MCP session with no request in flight for this long is closed (a connected client keeps a "
            "GET stream open, so this counts only for clients gone without closing theirs)."
        ),
    )
    mcp_max_connections: int = Field(
        1000,
        ge=16,
        le=100_000,
        description=(
            "HTTP: client connections open at once, lowered to fit the process's file limit (`ulimit -n`) with "
            "room for its other files. At the limit the connection that has waited longest without sending a "
            "request is closed for the new one; requests in progress are never closed."
        ),
    )
    mcp_header_timeout_s: float = Field(
        10.0,
        gt=0,
        le=120,
        description=(
            "HTTP: a connection must send a request's headers within this many seconds of opening (or of its "
            "last response), however many bytes it trickles; else it is closed."
        ),
    )
    mcp_stateless: bool = Field(
        False, description="HTTP (`--stateless`): no MCP sessions, for replicas behind a load balancer."
    )
    mcp_json_response: bool = Field(
        False,
        description=(
            "HTTP (`--json-response`): answer each POST with one JSON body instead of an SSE stream (no progress "
            "notifications)."
        ),
    )

    @field_validator("base_url")
    @classmethod
    def _token_never_in_clear(cls, value: str) -> str:
        """The token goes to this URL: plain http only to this machine (or names that cannot resolve)."""
        url = urlsplit(value)
        host = (url.hostname or "").lower()
        local = host in ("127.0.0.1", "::1", "localhost") or host.endswith((".localhost", ".test", ".invalid"))
        if url.scheme == "https" or (url.scheme == "http" and local):
            return value.rstrip("/")
        raise ValueError(
            "TRUTO_BASE_URL must be an https:// URL (plain http is accepted only for 127.0.0.1/localhost), "
            "so that the token never crosses a network in clear"
        )

    @field_validator("state_url")
    @classmethod
    def _known_state_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme, separator, rest = value.strip().partition("://")
        if scheme not in ("memory", "sqlite", "redis", "rediss") or not separator:
            raise ValueError("accepts memory://, sqlite:///PATH or redis://HOST:PORT/DB")
        if scheme == "sqlite" and not rest.startswith("/"):
            raise ValueError("accepts sqlite:///PATH with an absolute path")
        if scheme.startswith("redis") and not rest:
            raise ValueError("accepts redis://HOST:PORT/DB")
        return value.strip()

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("scan_cache", mode="before")
    @classmethod
    def _switch_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("mcp_allowed_hosts", "mcp_allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value
