"""How the HTTP endpoint may be exposed: its options (flags over ``TRUTO_MCP_*`` settings) and the checks
that refuse, before anything listens, a configuration that would expose the server: a non-loopback
bind without a bearer token, a guessable bearer token, or a wildcard bind with no allowed host names."""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr

from truto_log_mcp.settings import Settings

MCP_PATH: Final = "/mcp"
MIN_BEARER_CHARS: Final = 32
"""Shortest bearer token accepted: ``secrets.token_urlsafe(32)`` gives 43 characters."""
MIN_BEARER_BITS: Final = 64
"""Fewest bits a bearer token's own character frequencies must show (see ``guessable``)."""
LOOPBACK_HOSTS: Final = ("127.0.0.1", "localhost", "[::1]")
LOOPBACK_ORIGINS: Final = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
TOKEN_HINT: Final = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class DeploymentError(Exception):
    """A configuration refused before anything listens; the message says how to fix it (exit code 2)."""


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """How the HTTP endpoint is exposed: flags over ``TRUTO_MCP_*`` settings."""

    host: str = "127.0.0.1"
    port: int = 8000
    bearer_token: SecretStr | None = None
    multi_user: bool = False
    stateless: bool = False
    json_response: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    max_sessions: int = 256
    max_sessions_per_principal: int = 16
    session_idle_s: float = 300.0
    max_connections: int = 1000
    header_timeout_s: float = 10.0

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        host: str,
        port: int,
        *,
        stateless: bool = False,
        json_response: bool = False,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
    ) -> HttpOptions:
        token = settings.mcp_bearer_token
        return cls(
            host=host,
            port=port,
            bearer_token=token if token is not None and token.get_secret_value().strip() else None,
            multi_user=settings.multi_user,
            stateless=stateless or settings.mcp_stateless,
            json_response=json_response or settings.mcp_json_response,
            allowed_hosts=tuple(dict.fromkeys([*settings.mcp_allowed_hosts, *allowed_hosts])),
            allowed_origins=tuple(dict.fromkeys([*settings.mcp_allowed_origins, *allowed_origins])),
            max_body_bytes=settings.mcp_max_body_bytes,
            max_sessions=settings.mcp_max_sessions,
            max_sessions_per_principal=settings.mcp_max_sessions_per_principal,
            session_idle_s=settings.mcp_session_idle_s,
            max_connections=settings.mcp_max_connections,
            header_timeout_s=settings.mcp_header_timeout_s,
        )

    def url(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port if port is None else port}{MCP_PATH}"


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    address = _ip(host)
    return address is not None and address.is_loopback


def is_wildcard(host: str) -> bool:
    address = _ip(host)
    return host == "" or (address is not None and address.is_unspecified)


def guessable(token: str) -> str | None:
    """Why a (long enough) bearer token looks chosen rather than random, or None.

    Two cheap signs, both far from what a random token shows: a short pattern repeated, and fewer bits than
    ``MIN_BEARER_BITS`` by the token's own character frequencies (32 random hex digits, the weakest random
    token of the accepted length, estimate 85 or more; ``"a" * 32`` estimates 0)."""
    for period in range(1, len(token) // 2 + 1):
        if token == (token[:period] * (len(token) // period + 1))[: len(token)]:
            return f"it repeats a pattern of {period} character{'s' if period > 1 else ''}"
    counts = Counter(token).values()
    bits = -len(token) * sum(count / len(token) * math.log2(count / len(token)) for count in counts)
    if bits < MIN_BEARER_BITS:
        return f"its characters carry about {bits:.0f} bits (a random token carries {MIN_BEARER_BITS} or more)"
    return None


def check_deployment(options: HttpOptions) -> list[str]:
    """Refuse (``DeploymentError``) what would expose the server; return warnings worth printing."""
    warnings: list[str] = []
    token = options.bearer_token.get_secret_value() if options.bearer_token else None
    if token is not None and len(token.strip()) < MIN_BEARER_CHARS:
        raise DeploymentError(
            f"TRUTO_MCP_BEARER_TOKEN is too short ({len(token.strip())} characters; at least {MIN_BEARER_CHARS}). "
            f"Generate one with: {TOKEN_HINT}"
        )
    weakness = guessable(token.strip()) if token is not None else None
    if weakness is not None:
        raise DeploymentError(f"TRUTO_MCP_BEARER_TOKEN looks guessable: {weakness}. Generate one with: {TOKEN_HINT}")
    if not is_loopback(options.host):
        if token is None:
            raise DeploymentError(
                f"refusing to serve on {options.host}: a non-loopback address needs authentication. "
                f"Set TRUTO_MCP_BEARER_TOKEN (at least {MIN_BEARER_CHARS} characters; generate one with: {TOKEN_HINT}) "
                "and configure clients to send 'Authorization: Bearer <token>', or bind 127.0.0.1 "
                "(the default). --multi-user alone does not count: the Truto token a client sends is only "
                "checked by Truto when a tool reads logs."
            )
        if is_wildcard(options.host) and not options.allowed_hosts:
            raise DeploymentError(
                f"refusing to serve on {options.host or 'all interfaces'} without allowed host names: every "
                "remote request would be refused as a DNS-rebinding attempt (421). Set TRUTO_MCP_ALLOWED_HOSTS "
                "(or --allowed-host) to the host name(s) clients use, e.g. logs.example.com or 10.0.0.5:8000."
            )
        warnings.append(
            "serving plain HTTP on a non-loopback address: put a TLS-terminating reverse proxy in front "
            "(the bearer token and Truto tokens would otherwise cross the network in clear)."
        )
    return warnings


def _with_any_port(values: Iterable[str]) -> list[str]:
    """``name`` also allows ``name:*`` (a Host or Origin with an explicit port), and ``name:80`` or
    ``name:443`` also allows ``name``: behind a proxy on a default port the Host header has no port."""
    expanded: list[str] = []
    for value in values:
        value = value.strip().rstrip("/")
        if not value:
            continue
        expanded.append(value)
        port = re.search(r":(\d+|\*)$", value) if not value.endswith("]") else None
        if port is None:
            expanded.append(f"{value}:*")
        elif port.group(1) in ("80", "443"):
            expanded.append(value[: port.start()])
    return list(dict.fromkeys(expanded))


def security_settings(options: HttpOptions) -> TransportSecuritySettings:
    """DNS-rebinding protection, always on: loopback names, the bind address and the configured names."""
    hosts = _with_any_port(LOOPBACK_HOSTS)
    origins = list(LOOPBACK_ORIGINS)
    if not is_loopback(options.host) and not is_wildcard(options.host):
        bound = f"[{options.host}]" if ":" in options.host else options.host
        hosts += _with_any_port([bound])
    hosts += _with_any_port(options.allowed_hosts)
    origins += _with_any_port(options.allowed_origins)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )
