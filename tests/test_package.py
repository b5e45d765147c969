"""The package's public names: each in ``__all__`` imports, and importing the package itself stays cheap."""

import subprocess
import sys

import pytest

import truto_log_mcp


@pytest.mark.parametrize("name", truto_log_mcp.__all__)
def test_every_public_name_imports(name: str) -> None:
    assert getattr(truto_log_mcp, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        truto_log_mcp.nothing_here  # noqa: B018


def test_importing_the_package_imports_neither_the_sdk_nor_the_server() -> None:
    code = "import sys, truto_log_mcp; print(sorted(m for m in sys.modules if m.startswith(('mcp', 'truto_log_mcp.'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['truto_log_mcp.version']"


def test_the_version_is_the_one_in_pyproject() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert truto_log_mcp.__version__ == pyproject["project"]["version"]
