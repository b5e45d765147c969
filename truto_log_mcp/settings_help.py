"""Settings told to a person: what each accepts (docs/configuration.md's table) and, when the
environment holds a bad value, one line per problem naming its variable (never its value)."""

from __future__ import annotations

from typing import Literal, get_args, get_origin

import annotated_types
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from truto_log_mcp.environment import ENV_PREFIX
from truto_log_mcp.settings import Settings


def configuration_problems(error: ValidationError) -> list[str]:
    """One line per bad setting, naming the environment variable and what it accepts (never its value:
    it may be a secret)."""
    problems = []
    for detail in error.errors(include_url=False):
        name = str(detail["loc"][0]) if detail["loc"] else ""
        variable = f"{ENV_PREFIX}{name}".upper() if name else "configuration"
        message = str(detail["msg"]).removeprefix("Value error, ").removeprefix(f"{variable} ")
        field = Settings.model_fields.get(name)
        if detail["type"] != "value_error" and field is not None:
            accepts = accepted_values(field).replace("`", "")
            message = f"accepts {accepts}" + (" (any case)" if name == "log_level" else "")
        problems.append(f"{variable}: {message}.")
    return problems


def accepted_values(field: FieldInfo) -> str:
    """What a setting accepts, in Markdown ("integer, 1 to 500", "`DEBUG`, `INFO`"), from its type and bounds."""
    annotation = field.annotation
    if SecretStr in (annotation, *get_args(annotation)):
        return "secret"
    if get_origin(annotation) is Literal:
        return ", ".join(f"`{choice}`" for choice in get_args(annotation))
    if annotation is bool:
        return "`true`, `false`"
    if get_origin(annotation) is list:
        return "comma-separated list"
    if annotation not in (int, float):
        return "text"
    bounds: list[str] = []
    low = high = None
    for bound in field.metadata:
        if isinstance(bound, annotated_types.Ge):
            low = _number(bound.ge)
        elif isinstance(bound, annotated_types.Gt):
            bounds.append(f"> {_number(bound.gt)}")
        elif isinstance(bound, annotated_types.Le):
            high = _number(bound.le)
    if low is not None and high is not None:
        bounds.append(f"{low} to {high}")
    elif low is not None:
        bounds.append(f"≥ {low}")
    elif high is not None:
        bounds.append(f"≤ {high}")
    return ", ".join(["integer" if annotation is int else "number", *bounds])


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)
