"""``describe_log_types`` (and the ``truto://log-types`` resource): the log types, fields, filters and rules."""

from __future__ import annotations

from pydantic import BaseModel, Field

from truto_log_mcp.rules import FILTER_ENUMS, MAX_WINDOW_DAYS, PAGE_LIMIT_MAX, RULES
from truto_log_mcp.tools.context import Answer


class LogTypeDescription(BaseModel):
    log_type: str
    summary: str
    filter_keys: list[str] = Field(description="Keys allowed in `filters` (sent upstream as log_type_filter).")
    status_field: str | None = Field(description="Field that `match.status` tests; null: none.")
    default_columns: list[str]
    fields: dict[str, str] = Field(description="Row field -> kind.")


class DescribeLogTypesResult(BaseModel):
    log_types: list[LogTypeDescription]
    filter_enums: dict[str, list[str]]
    rules: list[str]


def describe_log_types() -> Answer:
    structured = describe_model()
    lines = [
        "Truto log types (search_logs `log_type`); `filters` are sent upstream, `match` is applied after fetching."
    ]
    for description in structured.log_types:
        lines.append(
            f"- {description.log_type}: {description.summary} filters: {', '.join(description.filter_keys)}. "
            f"status field: {description.status_field or 'none'}. "
            f"fields: {', '.join(description.fields)}."
        )
    lines.append("Filter values: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in structured.filter_enums.items()))
    lines += [f"Rule: {rule}" for rule in structured.rules]
    return Answer("\n".join(lines), structured)


def describe_model() -> DescribeLogTypesResult:
    return DescribeLogTypesResult(
        log_types=[
            LogTypeDescription(
                log_type=rules.log_type.value,
                summary=rules.summary,
                filter_keys=list(rules.filter_keys),
                status_field=rules.status_field,
                default_columns=list(rules.default_columns),
                fields={spec.name: spec.kind for spec in rules.fields},
            )
            for rules in RULES.values()
        ],
        filter_enums={key: list(values) for key, values in FILTER_ENUMS.items()},
        rules=[
            f"A time window lasts at most {MAX_WINDOW_DAYS} days and one calendar month (Jan 31 -> Feb 28).",
            "Without since/start there is no time filter: newest rows of all retained logs.",
            f"The upstream returns at most {PAGE_LIMIT_MAX} rows a page; rows come newest first.",
            "match.status: '5xx', '4xx', '>=400', '!=200', '500-599' or a code; match.text: substring of "
            "message and logs (case-insensitive); other match keys: equality on a row field.",
        ],
    )
