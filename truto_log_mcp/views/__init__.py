"""Interactive views of results (MCP Apps): self-contained HTML, read from ``assets/`` on first use."""
