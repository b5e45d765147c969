"""The rule table of Truto's ``GET /log``: one source of truth.

Validation (``query``), ``describe_log_types``, the rendering defaults (``render``), the sandbox
upstream and docs/tools.md all read this module. Facts come from the API reference
(``reference/truto-get-log-api.txt``) and DOMAIN.md; where they add fields the reference lacks,
the field is marked ``documented=False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

FieldKind = Literal["string", "integer", "number", "boolean", "string[]", "object", "object[]"]


LogTypeName = Literal["unified_proxy_api", "rapid_bridge", "webhook", "mcp", "sync_job_cron_trigger"]
"""The same values as ``LogType``, as a Literal so tool schemas inline the enum (a test keeps them equal)."""


class LogType(StrEnum):
    UNIFIED_PROXY_API = "unified_proxy_api"
    RAPID_BRIDGE = "rapid_bridge"
    WEBHOOK = "webhook"
    MCP = "mcp"
    SYNC_JOB_CRON_TRIGGER = "sync_job_cron_trigger"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: FieldKind
    documented: bool = True
    """False for fields that real rows carry but the API reference does not list (DOMAIN.md)."""


@dataclass(frozen=True, slots=True)
class LogTypeRules:
    log_type: LogType
    summary: str
    fields: tuple[FieldSpec, ...]
    filter_keys: tuple[str, ...]
    default_columns: tuple[str, ...]
    """Columns that ``search_logs`` shows when ``fields`` is not given: what a debugger reads first."""
    status_field: str | None = None
    """The row field that ``match.status`` tests (None: this log type has no HTTP status)."""

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(spec.name for spec in self.fields)

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


MCP_METHODS: Final = (
    "initialize",
    "notifications/initialized",
    "tools/list",
    "tools/call",
    "prompts/list",
    "resources/list",
    "ping",
)
REQUEST_TYPES: Final = ("proxy", "unified")
SYNC_JOB_RUN_EVENTS: Final = (
    "created",
    "started",
    "record",
    "record_error",
    "rate_limited",
    "completed",
    "failed",
    "updated",
    "deleted",
)
SYNC_RUN_STATES: Final = ("created", "running", "rate_limited", "completed", "failed", "stopped")

FILTER_ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "mcp_method": MCP_METHODS,
    "request_type": REQUEST_TYPES,
    "sync_job_run_event": SYNC_JOB_RUN_EVENTS,
}
"""Filter keys whose values are checked before the upstream is called."""

PAGE_LIMIT_MAX: Final = 100
"""Upstream ``limit`` bounds: 1..100, default 100 (CLI reference, operator docs)."""

MAX_WINDOW_DAYS: Final = 30
"""The upstream allows ``created_at[gt]``..``created_at[lt]`` at most "1 month" apart; see ``query``."""

UPSTREAM_RATE_LIMIT: Final = (500, 10.0)
"""Requests per seconds, per API token."""


def _f(name: str, kind: FieldKind = "string", documented: bool = True) -> FieldSpec:
    return FieldSpec(name, kind, documented)


_COMMON_HEAD = (_f("app_env"), _f("environment_id"), _f("log_type"), _f("logs", "string[]"), _f("message"))
_COMMON_TAIL = (_f("service"), _f("timestamp"))

_HTTP_FIELDS = (
    _f("authentication_type"),
    _f("duration", "number"),
    _f("fetch_duration", "number"),
    _f("host"),
    _f("http_country"),
    _f("http_ip"),
    _f("http_method"),
    _f("http_request_id"),
    _f("http_status_code", "integer"),
    _f("http_url"),
    _f("http_url_details_host"),
    _f("http_url_details_path"),
    _f("http_url_details_query_string", "object"),
    _f("http_url_details_scheme"),
    _f("http_useragent"),
    _f("http_version"),
    _f("integrated_account_id"),
    _f("integration"),
    _f("method"),
    _f("request_type"),
    _f("resource"),
    _f("response_headers", "object"),
    _f("user_id"),
)


def _sorted(*groups: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    merged = {spec.name: spec for group in groups for spec in group}
    return tuple(merged[name] for name in sorted(merged))


RULES: Final[dict[LogType, LogTypeRules]] = {
    LogType.UNIFIED_PROXY_API: LogTypeRules(
        log_type=LogType.UNIFIED_PROXY_API,
        summary="Unified and Proxy API requests that Truto served (status, integration, resource, timing).",
        fields=_sorted(
            _COMMON_HEAD,
            _COMMON_TAIL,
            _HTTP_FIELDS,
            (
                _f("integrated_account_needs_reauth", "boolean"),
                _f("remote_requests", "object[]"),
                _f("result_count", "integer"),
                _f("http_status_category", documented=False),
                _f("tenant_id", documented=False),
            ),
        ),
        filter_keys=("request_type", "integrated_account_id", "environment_id", "integration"),
        default_columns=(
            "timestamp",
            "http_status_code",
            "integration",
            "request_type",
            "method",
            "resource",
            "duration",
            "integrated_account_id",
        ),
        status_field="http_status_code",
    ),
    LogType.RAPID_BRIDGE: LogTypeRules(
        log_type=LogType.RAPID_BRIDGE,
        summary="RapidBridge sync job runs: lifecycle events, records, errors.",
        fields=_sorted(
            _COMMON_HEAD,
            _COMMON_TAIL,
            (
                _f("durable_object"),
                _f("integrated_account_id"),
                _f("integration"),
                _f("method"),
                _f("sync_job_id"),
                _f("sync_job_run_event"),
                _f("sync_job_run_id"),
                _f("webhook_id"),
                _f("status", documented=False),
                _f("num_records", "integer", documented=False),
                _f("resource", documented=False),
                _f("retry_after", "number", documented=False),
                _f("retry_count", "integer", documented=False),
                _f("webhook_successful", "boolean", documented=False),
                _f("datastore_successful", "boolean", documented=False),
                _f("sync_job_request_type", documented=False),
            ),
        ),
        filter_keys=(
            "sync_job_run_id",
            "sync_job_id",
            "sync_job_run_event",
            "integrated_account_id",
            "webhook_id",
            "environment_id",
            "integration",
        ),
        default_columns=(
            "timestamp",
            "sync_job_run_event",
            "status",
            "integration",
            "resource",
            "num_records",
            "sync_job_run_id",
        ),
    ),
    LogType.WEBHOOK: LogTypeRules(
        log_type=LogType.WEBHOOK,
        summary="Webhook deliveries to customers' endpoints (event, endpoint's answer).",
        fields=_sorted(
            _COMMON_HEAD,
            _COMMON_TAIL,
            (
                _f("event"),
                _f("queue"),
                _f("webhook_endpoint_status", "integer"),
                _f("webhook_id"),
                _f("status", documented=False),
                _f("resource", documented=False),
                _f("method", documented=False),
                _f("id", documented=False),
            ),
        ),
        filter_keys=("webhook_id", "event", "environment_id"),
        default_columns=("timestamp", "event", "webhook_endpoint_status", "status", "webhook_id"),
        status_field="webhook_endpoint_status",
    ),
    LogType.MCP: LogTypeRules(
        log_type=LogType.MCP,
        summary="Calls to Truto-hosted MCP servers (method, tool, client, status, timing).",
        fields=_sorted(
            _COMMON_HEAD,
            _COMMON_TAIL,
            _HTTP_FIELDS,
            (
                _f("client_name"),
                _f("client_version"),
                _f("mcp_method"),
                _f("mcp_server_id"),
                _f("mcp_server_name"),
                _f("tool_name"),
                _f("http_status_category", documented=False),
                _f("tenant_id", documented=False),
                _f("result_count", "integer", documented=False),
            ),
        ),
        filter_keys=(
            "client_name",
            "client_version",
            "environment_id",
            "integrated_account_id",
            "integration",
            "mcp_method",
            "mcp_server_id",
            "method",
            "request_id",
            "resource",
            "tool_name",
        ),
        default_columns=(
            "timestamp",
            "http_status_code",
            "mcp_method",
            "tool_name",
            "integration",
            "client_name",
            "duration",
            "mcp_server_id",
        ),
        status_field="http_status_code",
    ),
    LogType.SYNC_JOB_CRON_TRIGGER: LogTypeRules(
        log_type=LogType.SYNC_JOB_CRON_TRIGGER,
        summary="Scheduled (cron) triggers of sync jobs; entity_id is the sync job's id.",
        fields=_sorted(
            _COMMON_HEAD,
            _COMMON_TAIL,
            (
                _f("alarm_type"),
                _f("entity_id", documented=False),
                _f("duration", "number", documented=False),
                _f("integrated_account_id", documented=False),
                _f("integration", documented=False),
                _f("integrated_account_needs_reauth", "boolean", documented=False),
            ),
        ),
        filter_keys=("environment_id",),
        default_columns=("timestamp", "entity_id", "integration", "duration", "integrated_account_needs_reauth"),
    ),
}

FILTER_ALIASES: Final[dict[str, str]] = {"request_id": "http_request_id"}
"""Filter keys that match a differently named row field (the ``mcp`` ``request_id`` filter)."""


def markdown_table() -> str:
    """The rule table as Markdown, pasted in docs/tools.md (a test keeps the two equal)."""
    lines = [
        "| log_type | `filters` keys (sent upstream as `log_type_filter`) | `match.status` tests | default columns |",
        "| --- | --- | --- | --- |",
    ]
    for rules in RULES.values():
        lines.append(
            f"| `{rules.log_type.value}` | {', '.join(f'`{key}`' for key in rules.filter_keys)} "
            f"| {f'`{rules.status_field}`' if rules.status_field else '(none)'} "
            f"| {', '.join(rules.default_columns)} |"
        )
    enums = "; ".join(f"`{key}`: {', '.join(values)}" for key, values in FILTER_ENUMS.items())
    lines += ["", f"Checked filter values: {enums}."]
    return "\n".join(lines)
