"""The command line (``truto-log-mcp``): ``main`` parses the arguments and runs one command."""

from truto_log_mcp.cli.main import main

__all__ = ["main"]
