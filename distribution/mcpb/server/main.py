"""The bundle's entry point: Claude Desktop runs it with ``uv run`` in the unpacked bundle, where uv
has installed this project (the bundle's pyproject.toml) and its dependencies."""

from truto_log_mcp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
