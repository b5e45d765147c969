"""``unified_proxy_api`` rows: the customer's calls to Truto's unified and proxy APIs.

Background: each account's own clients (and now and then someone in Truto's dashboard) list,
get, create, update and delete records, a listing sometimes paging on. Stories: the expired
HubSpot token (``expired_auth``), the Salesforce 5xx bursts and the customer's retries during
them (``salesforce_5xx``), Pipedrive's afternoon rate limit (``pipedrive_rate_limit``) and
Zendesk's slowness (its latency range in ``world``, ``slow_zendesk``); acme's staging portal in a
second environment (``staging_mapping``, ``staging_scope``), drawn last so that it changes no other row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from truto_log_mcp.rows import Row
from truto_log_mcp.rules import LogType
from truto_log_mcp.sandbox.generator.common import (
    DASHBOARD_IPS,
    DASHBOARD_UA,
    HOUR_MS,
    HTTP_METHODS,
    PHRASES,
    TRUTO_ORIGIN,
    Generation,
    ms,
)
from truto_log_mcp.sandbox.generator.stories import StoryTimeline
from truto_log_mcp.sandbox.world import (
    ACCOUNTS,
    DASHBOARD_USER_IDS,
    ENVIRONMENT_ID,
    HUBSPOT,
    HUBSPOT_ACME,
    HUBSPOT_ACME_STAGING,
    JIRA,
    PIPEDRIVE,
    SALESFORCE,
    SALESFORCE_GLOBEX,
    SALESFORCE_INITECH,
    STAGING_CONNECTED_AGO,
    STAGING_SCHEDULE,
    TRUTO_HOST,
    Account,
    Integration,
)

_HEADERS_JSON: Final = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-truto-environment-id": ENVIRONMENT_ID,
}
_HEADERS_429: Final = {**_HEADERS_JSON, "retry-after": "2"}
_HEADERS_EMPTY: Final = {"cache-control": "no-store", "x-truto-environment-id": ENVIRONMENT_ID}


@dataclass(slots=True)
class _Outcome:
    """The upstream part of one API request: status, provider time, what went wrong and what was logged."""

    status: int
    fetch: int
    error: str
    logs: list[str]
    remote: list[dict[str, str]]
    headers: dict[str, str] = field(default_factory=lambda: _HEADERS_JSON)
    result_count: int | None = None
    needs_reauth: bool = False


class ApiTraffic:
    """Every unified/proxy request: sessions of calls per account, then the planted ones."""

    def __init__(self, gen: Generation, timeline: StoryTimeline) -> None:
        self.gen = gen
        self.timeline = timeline

    def run(self) -> None:
        gen = self.gen
        for account in ACCOUNTS:
            n = gen.count(account.calls_per_day / 1.7, gen.start, gen.now)
            for at in gen.times(n, gen.start, gen.now):
                self._session(account, at)
        # Story: the first call after the token expired, then the customer's retries during bursts.
        self._call(HUBSPOT_ACME, self.timeline.expiry + 800, "unified", "contacts", "list", 0, False)
        rng = gen.rng
        for lo, hi in self.timeline.bursts:
            for at in sorted(gen.between(lo, hi) for _ in range(gen.between(12, 20))):
                account = SALESFORCE_INITECH if rng.random() < 0.6 else SALESFORCE_GLOBEX
                self._call(
                    account, at, "unified", rng.choice(("contacts", "accounts", "opportunities")), "list", 0, False
                )

    def run_staging(self) -> None:
        """Stories: the staging account's calls, every few minutes since it was connected, which begin to
        fail at fixed instants (``staging_mapping`` before the default 24 h window, ``staging_scope`` in it)."""
        gen = self.gen
        failing = {"contacts": self.timeline.staging_mapping_at, "deals": self.timeline.staging_scope_at}
        connected = max(gen.start, gen.now - ms(STAGING_CONNECTED_AGO))
        for resource, every in STAGING_SCHEDULE:
            step = ms(every)
            first = failing[resource] - (failing[resource] - connected) // step * step
            for at in range(first, gen.now, step):
                self._call(HUBSPOT_ACME_STAGING, at, "unified", resource, "list", 0, False)

    def _session(self, account: Account, at: int) -> None:
        rng = self.gen.rng
        integration = account.integration
        dashboard = rng.random() < 0.04
        request_type = "proxy" if rng.random() < 0.2 else "unified"
        resource = rng.choice(tuple(integration.proxy if request_type == "proxy" else integration.unified))
        roll = rng.random()
        method = (
            "list"
            if roll < 0.66
            else "get"
            if roll < 0.88
            else "create"
            if roll < 0.94
            else "update"
            if roll < 0.99
            else "delete"
        )
        pages = 1 if method != "list" or rng.random() < 0.6 else self.gen.between(2, 5)
        for page in range(pages):
            status, took = self._call(account, at, request_type, resource, method, page, dashboard)
            if status >= 400:
                return
            at += took + self.gen.between(120, 1500)

    def _call(
        self,
        account: Account,
        at: int,
        request_type: str,
        resource: str,
        method: str,
        page: int,
        dashboard: bool,
    ) -> tuple[int, int]:
        """Emit one unified/proxy API request row; returns (status, duration)."""
        rng = self.gen.rng
        integration, tenant = account.integration, account.tenant
        path, query, provider_url = self._target(account, request_type, resource, method, page)
        http_method = HTTP_METHODS[method]
        outcome = self._outcome(account, at, request_type, resource, method, http_method, provider_url)
        status = outcome.status
        duration = outcome.fetch + self.gen.between(12, 70)
        ip, country, agent = rng.choice(tenant.ips), tenant.country, tenant.user_agent
        if dashboard:
            (ip, country), agent = rng.choice(DASHBOARD_IPS), DASHBOARD_UA
        ray = self.gen.ray()
        stamp = self.gen.iso(at)
        level = "INFO" if status < 400 else "WARN" if status < 500 else "ERROR"
        base_url = TRUTO_ORIGIN + path
        message = f"{stamp} {level} {ip} ({ray}) {http_method} {base_url} {status}"
        if outcome.error:
            message += f" - {outcome.error}"
        headers = outcome.headers
        if account.environment_id != ENVIRONMENT_ID:
            headers = {**headers, "x-truto-environment-id": account.environment_id}
        row: Row = {
            "app_env": "production",
            "authentication_type": "session" if dashboard else "api_token",
            "duration": duration,
            "environment_id": account.environment_id,
            "fetch_duration": outcome.fetch,
            "host": TRUTO_HOST,
            "http_country": country,
            "http_ip": ip,
            "http_method": http_method,
            "http_request_id": ray,
            "http_status_category": f"{status // 100}xx",
            "http_status_code": status,
            "http_url": base_url + "?" + "&".join(f"{key}={value}" for key, value in query.items()),
            "http_url_details_host": TRUTO_HOST,
            "http_url_details_path": path,
            "http_url_details_query_string": query,
            "http_url_details_scheme": "https:",
            "http_useragent": agent,
            "http_version": "HTTP/2" if rng.random() < 0.85 else "HTTP/1.1",
            "integrated_account_id": account.id,
            "integrated_account_needs_reauth": outcome.needs_reauth,
            "integration": integration.name,
            "log_type": "unified_proxy_api",
            "logs": outcome.logs,
            "message": message,
            "method": method,
            "remote_requests": outcome.remote,
            "request_type": request_type,
            "resource": resource,
            "response_headers": headers,
            "service": "truto-api",
            "tenant_id": tenant.id,
            "timestamp": stamp,
        }
        if outcome.result_count is not None:
            row["result_count"] = outcome.result_count
        if dashboard:
            row["user_id"] = rng.choice(DASHBOARD_USER_IDS)
        self.gen.emit(LogType.UNIFIED_PROXY_API, at, row)
        return status, duration

    def _target(
        self, account: Account, request_type: str, resource: str, method: str, page: int
    ) -> tuple[str, dict[str, str], str]:
        """(Truto path, Truto query, provider URL) of one request."""
        integration = account.integration
        catalogue = integration.proxy if request_type == "proxy" else integration.unified
        list_path, item_path = catalogue[resource]
        path = f"/unified/{integration.category}/{resource}" if request_type == "unified" else f"/proxy/{resource}"
        query = {"integrated_account_id": account.id}
        if method == "list":
            provider_url = f"https://{account.provider_host}{list_path}{'&' if '?' in list_path else '?'}limit=100"
            query["limit"] = "100"
            if page:
                query["next_cursor"] = f"{self.gen.rng.getrandbits(96):024x}"
                provider_url += f"&after={page * 100}"
        elif method == "create":
            provider_url = f"https://{account.provider_host}{list_path.split('?', 1)[0]}"
        else:
            record = self._record_id(integration)
            path += f"/{record}"
            provider_url = f"https://{account.provider_host}{item_path.format(id=record)}"
        return path, query, provider_url

    def _outcome(
        self,
        account: Account,
        at: int,
        request_type: str,
        resource: str,
        method: str,
        http_method: str,
        provider_url: str,
    ) -> _Outcome:
        """How one request went: the planted stories first, then everyday errors, else success."""
        rng = self.gen.rng
        integration = account.integration
        lo, hi = integration.latency_ms
        fetch = lo + int((hi - lo) * rng.random() ** 1.6)
        remote = [{"method": http_method, "url": provider_url}]
        if account is HUBSPOT_ACME_STAGING:
            return self._staging_outcome(at, resource, fetch, http_method, provider_url)
        if account is HUBSPOT_ACME and at >= self.timeline.expiry:
            token_url = f"https://{account.provider_host}{integration.token_path}"
            fetch = self.gen.between(60, 240)
            logs = [
                "Access token expired; refreshing",
                f"POST {token_url} 400 ({fetch}ms)",
                "Token refresh failed: invalid_grant",
                f"Integrated account {account.id} marked as needs_reauth",
            ]
            error = "Token refresh failed: invalid_grant (integrated account needs reauth)"
            return _Outcome(401, fetch, error, logs, [{"method": "POST", "url": token_url}], needs_reauth=True)
        if integration is SALESFORCE and self.timeline.in_burst(at) and rng.random() < 0.7:
            status = rng.choice((500, 502, 503, 503))
            error = f"Salesforce responded {status} {PHRASES[status]} (request id {rng.getrandbits(48):012x})"
            logs = [f"{http_method} {provider_url} {status} ({fetch}ms)", f"Provider error: {error}"]
            return _Outcome(status, fetch, error, logs, remote)
        if integration is PIPEDRIVE and rng.random() < (0.45 if (at // HOUR_MS) % 24 in (14, 15) else 0.03):
            fetch = self.gen.between(40, 160)
            error = "Pipedrive responded 429 Too Many Requests (rate limit: 80 requests per 2 seconds)"
            logs = [f"{http_method} {provider_url} 429 ({fetch}ms)", error]
            return _Outcome(429, fetch, error, logs, remote, headers=_HEADERS_429)
        roll = rng.random()
        error = ""
        if method == "get" and roll < 0.03:
            status, error = 404, f"{resource} not found at {integration.name}"
        elif method in ("create", "update") and roll < 0.06:
            status = rng.choice((400, 422))
            error = f"Validation failed: {integration.name} rejected the {resource} payload (email is invalid)"
        elif roll < 0.003:
            status, error = 500, "Internal error while mapping the response"
        else:
            status = {"create": 201, "delete": 204}.get(method, 200)
        refreshed = rng.random() < 0.05
        logs = [
            "Access token refreshed (expires in 1800s)" if refreshed else "Token still valid — no refresh needed",
            f"{http_method} {provider_url} {200 if status == 500 else status} ({fetch}ms)",
        ]
        result_count: int | None = None
        if error:
            logs.append(error)
        elif method == "list":
            result_count = 100 if rng.random() < 0.4 else self.gen.between(0, 99)
            if request_type == "unified":
                logs.append(f"Mapped {result_count} records to {integration.category}/{resource}")
        headers = _HEADERS_EMPTY if status == 204 else _HEADERS_JSON
        return _Outcome(status, fetch, error, logs, remote, headers=headers, result_count=result_count)

    def _staging_outcome(self, at: int, resource: str, fetch: int, http_method: str, provider_url: str) -> _Outcome:
        remote = [{"method": http_method, "url": provider_url}]
        if resource == "contacts" and at >= self.timeline.staging_mapping_at:
            error = "Mapping error: the staging mapping reads property 'lifecyclestage', which does not exist"
            logs = [f"{http_method} {provider_url} 200 ({fetch}ms)", error]
            return _Outcome(500, fetch, error, logs, remote)
        if resource == "deals" and at >= self.timeline.staging_scope_at:
            error = "HubSpot responded 403 Forbidden: missing scope crm.objects.deals.read"
            logs = [f"{http_method} {provider_url} 403 ({fetch}ms)", f"Provider error: {error}"]
            return _Outcome(403, fetch, error, logs, remote)
        count = self.gen.between(0, 40)
        logs = [f"{http_method} {provider_url} 200 ({fetch}ms)", f"Mapped {count} records to crm/{resource}"]
        return _Outcome(200, fetch, "", logs, remote, result_count=count)

    def _record_id(self, integration: Integration) -> str:
        rng = self.gen.rng
        if integration is SALESFORCE:
            return "003" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", k=12))
        if integration is JIRA:
            return f"OPS-{self.gen.between(1, 4200)}"
        if integration is HUBSPOT:
            return str(self.gen.between(10**10, 10**11))
        return str(self.gen.between(1000, 999_999))
