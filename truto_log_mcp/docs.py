"""Markdown tables for the docs (``docs/*.md``), generated from the tables the code runs on.

Tests keep each page equal to what these functions print: ``docs/tools.md`` shows the rule table
(``markdown_table``), the error rules and the causes; ``docs/configuration.md`` shows the settings.
"""

from __future__ import annotations

from pydantic.fields import FieldInfo

from truto_log_mcp.analysis.causes import ERROR_RULES, NEXT_STEP, Cause
from truto_log_mcp.environment import ENV_PREFIX
from truto_log_mcp.rules import markdown_table
from truto_log_mcp.settings import Settings
from truto_log_mcp.settings_help import accepted_values

__all__ = ["causes_markdown", "error_rules_markdown", "markdown_table", "settings_markdown"]


def error_rules_markdown() -> str:
    lines = ["| log_type | a row is an error when |", "| --- | --- |"]
    lines += [f"| `{log_type.value}` | {rule} |" for log_type, rule in ERROR_RULES.items()]
    return "\n".join(lines)


def causes_markdown() -> str:
    lines = ["| cause | what it means | next step (as the tools say it) |", "| --- | --- | --- |"]
    for cause in Cause:
        meaning = _CAUSE_MEANING[cause]
        lines.append(f"| `{cause.value}` | {meaning} | {NEXT_STEP[cause]} |")
    return "\n".join(lines)


def settings_markdown() -> str:
    """The configuration table: one row per field of ``Settings``, in the model's order."""
    lines = ["| variable | default | accepts | meaning |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        variable = f"`{ENV_PREFIX}{name.upper()}`"
        meaning = (field.description or "").replace("|", "\\|")
        lines.append(f"| {variable} | {_default(name, field)} | {accepted_values(field)} | {meaning} |")
    return "\n".join(lines)


def _default(name: str, field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None or value == []:
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if name.endswith(("_s", "_seconds")):
        return f"`{value}` s"
    if name.endswith("_h"):
        return f"`{value}` h"
    if name.endswith("_bytes") and isinstance(value, int) and value % 1024 == 0:
        kib = value // 1024
        return f"`{value}` ({kib // 1024} MiB)" if kib % 1024 == 0 else f"`{value}` ({kib} KiB)"
    return f"`{value}`"


_CAUSE_MEANING: dict[Cause, str] = {
    Cause.AUTH: "the provider refused the account's credentials (401/403, `invalid_grant`, needs reauth)",
    Cause.RATE_LIMIT: "the provider answered 429 or the run was rate limited",
    Cause.PROVIDER_ERROR: "the provider's API failed (5xx, bad gateway, timeouts, resets)",
    Cause.WEBHOOK_ENDPOINT: "the customer's webhook endpoint rejected or did not answer a delivery",
    Cause.MAPPING: "the integration mapping failed on records or responses",
    Cause.DELIVERY: "a run fetched records (`num_records > 0`) but webhook/datastore delivery failed",
    Cause.STUCK: "a run is `running` with no progress for more than 5 minutes",
    Cause.NEVER_STARTED: "a run (or job) never got past `created`: no cron trigger or no start",
    Cause.CLIENT_ERROR: "the request to Truto was invalid (400/404/422...)",
    Cause.TRUTO_ERROR: "a 5xx whose text says Truto itself failed",
    Cause.UNKNOWN: "an error whose rows do not say why",
}
