"""Settings read from ``TRUTO_*`` environment variables, without pydantic-settings.

Why not pydantic-settings: ``Settings`` only ever read ``TRUTO_<FIELD>`` variables (any case;
values given to the constructor win), and importing pydantic-settings (with python-dotenv) cost
every stdio start about 13 ms, a fifth of the 10 % a start may take over a minimal MCP server
(issue 12, ``bench/startup.py``). So ``FromEnvironment`` reads the environment and the model stays
a plain pydantic one: every field is validated as pydantic-settings validated it (types, bounds,
the model's validators), and a bad value fails with the same messages.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

ENV_PREFIX = "TRUTO_"
"""A setting's environment variable is this prefix and its field name (any case)."""


class FromEnvironment(BaseModel):
    """A model whose fields not given to the constructor are read from ``TRUTO_<FIELD>``."""

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**environment_values(type(self).model_fields), **values})


def environment_values(fields: dict[str, FieldInfo]) -> dict[str, str]:
    """The ``TRUTO_*`` variables that name a field, by field name (the variable's name in any case)."""
    values = {}
    for variable, value in os.environ.items():
        if variable.upper().startswith(ENV_PREFIX) and (name := variable[len(ENV_PREFIX) :].lower()) in fields:
            values[name] = value
    return values
