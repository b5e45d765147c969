"""The MCP registry entry (distribution/server.json) against the official schema the project keeps."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema

from truto_log_mcp.settings import Settings

ROOT = Path(__file__).parents[2]


def load(path: str) -> Any:
    return json.loads((ROOT / path).read_text())


def test_server_json_is_valid_against_the_registry_schema() -> None:
    schema = load("distribution/server.schema.json")
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in validator.iter_errors(load("distribution/server.json"))
    ]
    assert errors == []


def test_server_json_names_the_schema_it_is_checked_against() -> None:
    assert load("distribution/server.json")["$schema"] == load("distribution/server.schema.json")["$id"]


def test_the_versions_are_the_project_s() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    server = load("distribution/server.json")
    assert server["version"] == version
    assert [package["version"] for package in server["packages"]] == [version]


def test_the_pypi_package_is_this_distribution_started_as_clients_start_it() -> None:
    (package,) = load("distribution/server.json")["packages"]
    assert package["identifier"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert package["transport"] == {"type": "stdio"}
    assert [argument["value"] for argument in package["packageArguments"]] == ["serve"]


def test_the_readme_carries_the_mcp_name_marker_that_proves_pypi_ownership() -> None:
    marker = re.search(r"mcp-name:\s*(\S+)", (ROOT / "README.md").read_text())
    assert marker is not None and marker.group(1) == load("distribution/server.json")["name"]


def test_the_environment_variables_are_settings_and_the_token_is_secret() -> None:
    (package,) = load("distribution/server.json")["packages"]
    variables = {variable["name"]: variable for variable in package["environmentVariables"]}
    assert set(variables) <= {f"TRUTO_{name.upper()}" for name in Settings.model_fields}
    assert variables["TRUTO_API_TOKEN"]["isSecret"] is True
    assert variables["TRUTO_BASE_URL"]["default"] == Settings.model_fields["base_url"].default
