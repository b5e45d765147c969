"""The version of truto-log-mcp (also in pyproject.toml; a test keeps the two equal)."""

__version__ = "0.1.0"
