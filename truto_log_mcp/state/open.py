"""``TRUTO_STATE_URL`` to a store: ``memory://``, ``sqlite:///PATH`` or ``redis://HOST:PORT/DB``."""

from __future__ import annotations

from pathlib import Path

from truto_log_mcp.state.store import StateStore

MEMORY_URL = "memory://"


def default_state_url(command: str, demo: bool) -> str:
    """``serve``: memory. ``call`` and ``demo``: a sqlite file in the user's cache directory (one for the
    sandbox, one for Truto, so that a demo's handles never reach Truto)."""
    if command not in ("call", "demo"):
        return MEMORY_URL
    from platformdirs import user_cache_path

    name = "demo-state.sqlite3" if demo or command == "demo" else "state.sqlite3"
    return f"sqlite://{user_cache_path('truto-log-mcp') / name}"


def open_store(url: str, max_budgets: int = 4096) -> StateStore:
    """The store of ``url`` (checked by the settings); nothing is connected before first use."""
    scheme, _, rest = url.partition("://")
    if scheme == "memory":
        from truto_log_mcp.state.memory_store import MemoryStore

        return MemoryStore(max_budgets=max_budgets)
    if scheme == "sqlite":
        from truto_log_mcp.state.sqlite_store import SqliteStore

        return SqliteStore(Path(rest).expanduser(), max_budgets=max_budgets)
    from truto_log_mcp.state.redis_store import RedisStore

    return RedisStore(url, max_budgets=max_budgets)
