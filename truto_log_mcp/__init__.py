"""truto-log-mcp: an MCP server for querying and analysing Truto's logs."""

__version__ = "0.1.0"
