"""A view's HTML page: the shared style and bridge, the view's script, inline; or with a result embedded.

Everything is inline (no network: no CDN script, font or image) and a Content-Security-Policy allows
only the page's own scripts, by hash: a script that row text smuggled in would not run even if a view
failed to escape it. The assets are read on the first page built (the stdio start-up reads none).
A result embedded for ``call --html`` is JSON inside a ``<script type="application/json">`` element,
with ``<``, ``>``, ``&`` and U+2028/U+2029 escaped: no row text can close the element or open another.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from importlib.resources import files
from typing import Any, Final

MAX_VIEW_BYTES: Final = 60_000
"""The most a view's page may weigh (tested): a host loads it into every conversation that shows it."""

_JSON_ESCAPES: Final = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@cache
def asset(name: str) -> str:
    return files("truto_log_mcp.views").joinpath("assets", name).read_text(encoding="utf-8")


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def safe_json(value: Any) -> str:
    """``value`` as JSON that is inert inside a script element (no ``</script>``, ``<!--`` or line separators)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_JSON_ESCAPES.get(character, character) for character in text)


def build_page(title: str, script: str, embedded: Any = None) -> str:
    """The page of the view whose script is ``assets/<script>``; ``embedded``: a result to draw with no host."""
    scripts = [asset("bridge.js"), asset(script)]
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {' '.join(_hash(source) for source in scripts)}"
    )
    data = "" if embedded is None else f'<script type="application/json" id="truto-data">{safe_json(embedded)}</script>'
    body = "".join(f"<script>{source}</script>" for source in scripts)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{asset('base.css')}</style></head>"
        f"<body>{data}{body}</body></html>\n"
    )
