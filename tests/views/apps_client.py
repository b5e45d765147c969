"""What the view tests share: a client that shows views, and recorded results of the viewed tools."""

from __future__ import annotations

from typing import Any

from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
"""A client's MCP Apps capability, with the MIME type of views."""
APPS_WITHOUT_HTML = advertise(EXTENSION_ID, {"mimeTypes": ["text/plain"]})


def wire(result: Any) -> dict[str, Any]:
    """A result as it travels (camelCase, ``_meta``)."""
    dumped: dict[str, Any] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped
