"""The sandbox's fixed world: one Truto environment, its integrated accounts, sync jobs, webhooks
and MCP servers, and the ids of the runs that the failure stories revolve around.

Why fixed (not seeded): tests, the demo and the benchmarks refer to these ids directly (through
``generator.STORIES``), so they must not change with the seed, the scale or ``now``. What
happens in this world over time is the generator's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

ENVIRONMENT_ID: Final = "1ba1f401-7183-47c5-9e39-e8e257e3c795"
STAGING_ENVIRONMENT_ID: Final = "5d0b7f7e-2f7a-4c1e-9a53-0e8f3d2c6b14"
"""A second environment whose rows the same token sees: acme's staging portal (the ``staging_*`` stories)."""
TRUTO_HOST: Final = "api.truto.one"


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    """The customer's own tenant id, as it appears in ``tenant_id``."""
    country: str
    ips: tuple[str, ...]
    user_agent: str


@dataclass(frozen=True, slots=True)
class Integration:
    name: str
    tool_label: str
    """How Truto spells the integration inside MCP tool names (``hub_spot``)."""
    category: str
    unified: Mapping[str, tuple[str, str]]
    """Unified resource -> (provider list path, provider item path with ``{id}``)."""
    proxy: Mapping[str, tuple[str, str]]
    latency_ms: tuple[int, int]
    token_path: str


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    integration: Integration
    tenant: Tenant
    provider_host: str
    calls_per_day: float
    environment_id: str = ENVIRONMENT_ID


@dataclass(frozen=True, slots=True)
class SyncJob:
    id: str
    account: Account
    resources: tuple[str, ...]
    every_h: float
    datastore: bool = False


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    events: tuple[str, ...]
    """Event names, or ``prefix:*``."""

    def wants(self, event: str) -> bool:
        return event in self.events or f"{event.split(':', 1)[0]}:*" in self.events


@dataclass(frozen=True, slots=True)
class McpTool:
    name: str
    method: str
    resource: str


@dataclass(frozen=True, slots=True)
class McpServer:
    id: str
    name: str
    account: Account
    tools: tuple[McpTool, ...]
    sessions_per_day: float


_Q = "/services/data/v59.0/query?q=SELECT+Id,Name,LastModifiedDate+FROM+"
HUBSPOT: Final = Integration(
    "hubspot",
    "hub_spot",
    "crm",
    {
        "contacts": ("/crm/v3/objects/contacts", "/crm/v3/objects/contacts/{id}"),
        "companies": ("/crm/v3/objects/companies", "/crm/v3/objects/companies/{id}"),
        "deals": ("/crm/v3/objects/deals", "/crm/v3/objects/deals/{id}"),
    },
    {
        "contacts": ("/crm/v3/objects/contacts", "/crm/v3/objects/contacts/{id}"),
        "owners": ("/crm/v3/owners", "/crm/v3/owners/{id}"),
    },
    (90, 450),
    "/oauth/v1/token",
)
SALESFORCE: Final = Integration(
    "salesforce",
    "salesforce",
    "crm",
    {
        "contacts": (_Q + "Contact", "/services/data/v59.0/sobjects/Contact/{id}"),
        "accounts": (_Q + "Account", "/services/data/v59.0/sobjects/Account/{id}"),
        "opportunities": (_Q + "Opportunity", "/services/data/v59.0/sobjects/Opportunity/{id}"),
    },
    {"sobjects": ("/services/data/v59.0/sobjects", "/services/data/v59.0/sobjects/{id}/describe")},
    (180, 520),
    "/services/oauth2/token",
)
PIPEDRIVE: Final = Integration(
    "pipedrive",
    "pipedrive",
    "crm",
    {
        "contacts": ("/v1/persons", "/v1/persons/{id}"),
        "deals": ("/v1/deals", "/v1/deals/{id}"),
        "companies": ("/v1/organizations", "/v1/organizations/{id}"),
    },
    {"activities": ("/v1/activities", "/v1/activities/{id}")},
    (80, 350),
    "/oauth/token",
)
ZENDESK: Final = Integration(
    "zendesk",
    "zendesk",
    "ticketing",
    {
        "tickets": ("/api/v2/tickets.json", "/api/v2/tickets/{id}.json"),
        "comments": ("/api/v2/incremental/ticket_events.json", "/api/v2/tickets/{id}/comments.json"),
        "users": ("/api/v2/users.json", "/api/v2/users/{id}.json"),
    },
    {"tickets": ("/api/v2/tickets.json", "/api/v2/tickets/{id}.json")},
    (3000, 8000),
    "/oauth/tokens",
)
JIRA: Final = Integration(
    "jira",
    "jira",
    "ticketing",
    {
        "tickets": ("/rest/api/3/search?jql=project%3DOPS", "/rest/api/3/issue/{id}"),
        "comments": ("/rest/api/3/issue/OPS-1042/comment", "/rest/api/3/issue/OPS-1042/comment/{id}"),
        "users": ("/rest/api/3/users/search", "/rest/api/3/user?accountId={id}"),
    },
    {"issues": ("/rest/api/3/search", "/rest/api/3/issue/{id}")},
    (150, 500),
    "/oauth/token",
)

ACME: Final = Tenant(
    "acme-corp", "US", ("34.201.17.88", "34.201.17.91", "52.4.120.7"), "truto-ts-sdk/0.9.3 node/20.11.1"
)
GLOBEX: Final = Tenant("globex-inc", "DE", ("18.184.33.20", "3.120.9.144"), "python-httpx/0.27.0")
INITECH: Final = Tenant("initech-llc", "GB", ("86.48.10.39", "86.48.10.52"), "axios/1.7.2")

HUBSPOT_ACME: Final = Account("e08ed75d-8c2c-4cdc-ab46-e424a4cb6167", HUBSPOT, ACME, "api.hubapi.com", 80)
HUBSPOT_GLOBEX: Final = Account("13e8f924-52cf-4fd1-b0d4-d81716940005", HUBSPOT, GLOBEX, "api.hubapi.com", 90)
SALESFORCE_INITECH: Final = Account(
    "17d1fb2a-a821-4367-9d0a-6b8ad5fb4a00", SALESFORCE, INITECH, "initech.my.salesforce.com", 60
)
SALESFORCE_GLOBEX: Final = Account(
    "3b314e9c-bf25-4d0c-a155-05ae34aae418", SALESFORCE, GLOBEX, "globex.my.salesforce.com", 50
)
PIPEDRIVE_GLOBEX: Final = Account("b704e4a8-a545-4891-9fcd-780d7a37ba66", PIPEDRIVE, GLOBEX, "api.pipedrive.com", 60)
PIPEDRIVE_INITECH: Final = Account("3b45d355-aa6d-4077-9464-da724ba98339", PIPEDRIVE, INITECH, "api.pipedrive.com", 35)
ZENDESK_ACME: Final = Account("e793f1cc-cdb8-4942-bb9d-240d4ee34f9e", ZENDESK, ACME, "acme.zendesk.com", 50)
JIRA_ACME: Final = Account("04638dde-0ad1-4f28-9b19-96990702d325", JIRA, ACME, "acme.atlassian.net", 40)

HUBSPOT_ACME_STAGING: Final = Account(
    "c2f0a9d4-6b1e-4f3a-8d7c-5e9b0a1f2c3d", HUBSPOT, ACME, "api.hubapi.com", 0, STAGING_ENVIRONMENT_ID
)
"""Acme's staging portal, in the second environment: not in ``ACCOUNTS`` (no background traffic), only
its planted calls on a fixed schedule (``STAGING_SCHEDULE``)."""

ACCOUNTS: Final = (
    HUBSPOT_ACME,
    HUBSPOT_GLOBEX,
    SALESFORCE_INITECH,
    SALESFORCE_GLOBEX,
    PIPEDRIVE_GLOBEX,
    PIPEDRIVE_INITECH,
    ZENDESK_ACME,
    JIRA_ACME,
)
INTEGRATIONS: Final = (HUBSPOT, SALESFORCE, PIPEDRIVE, ZENDESK, JIRA)

JOB_HUBSPOT_ACME: Final = SyncJob(
    "ec6238c4-2340-4b3a-9888-0afb56f60fa6", HUBSPOT_ACME, ("crm/contacts", "crm/companies"), 4
)
JOB_HUBSPOT_GLOBEX: Final = SyncJob(
    "e155835b-1f38-4ce8-99f1-ceae38fa24b0", HUBSPOT_GLOBEX, ("crm/contacts", "crm/deals"), 6
)
JOB_SALESFORCE_INITECH: Final = SyncJob(
    "b01a6b82-d9f5-4609-a602-d640b442d46e",
    SALESFORCE_INITECH,
    ("crm/contacts", "crm/accounts", "crm/opportunities"),
    6,
    datastore=True,
)
JOB_SALESFORCE_GLOBEX: Final = SyncJob("23ef0f4c-6ea1-4fda-8abb-41933a897709", SALESFORCE_GLOBEX, ("crm/contacts",), 8)
JOB_PIPEDRIVE_GLOBEX: Final = SyncJob(
    "bed3ae7b-bbf9-4dfe-aa51-39406b0da63e", PIPEDRIVE_GLOBEX, ("crm/contacts", "crm/deals"), 3
)
JOB_PIPEDRIVE_INITECH: Final = SyncJob(
    "481b7bb4-a050-427a-a2f1-915d30c26042", PIPEDRIVE_INITECH, ("crm/contacts",), 6, datastore=True
)
JOB_ZENDESK_ACME: Final = SyncJob(
    "a1cb93ec-8c08-44f3-89fc-d287d24b3e8e", ZENDESK_ACME, ("ticketing/tickets", "ticketing/comments"), 2
)
JOB_JIRA_ACME: Final = SyncJob(
    "6833e372-372c-44b7-8723-52152ebc43ec", JIRA_ACME, ("ticketing/tickets", "ticketing/comments"), 4, datastore=True
)
SYNC_JOBS: Final = (
    JOB_HUBSPOT_ACME,
    JOB_HUBSPOT_GLOBEX,
    JOB_SALESFORCE_INITECH,
    JOB_SALESFORCE_GLOBEX,
    JOB_PIPEDRIVE_GLOBEX,
    JOB_PIPEDRIVE_INITECH,
    JOB_ZENDESK_ACME,
    JOB_JIRA_ACME,
)

WEBHOOK_PRIMARY: Final = Webhook(
    "cf25b572-a240-4723-90ef-41170b95c331",
    "https://hooks.customer.example/truto",
    ("sync_job_run:record", "sync_job_run:completed", "sync_job_run:failed", "integrated_account:*", "test"),
)
WEBHOOK_RECORDS: Final = Webhook(
    "677f1ca4-b1d5-446a-b874-2c0f4061cfbe", "https://sync.customer.example/truto/records", ("record:*",)
)
WEBHOOK_PARTNER: Final = Webhook(
    "6b21252f-663b-4692-95e6-6300b1f8f485",
    "https://partner-bridge.example.net/hooks/truto",
    ("sync_job_run:completed", "sync_job_run:failed", "integrated_account:*"),
)
WEBHOOKS: Final = (WEBHOOK_PRIMARY, WEBHOOK_RECORDS, WEBHOOK_PARTNER)
INBOUND_JIRA_WEBHOOK_ID: Final = "2a954191-0bd1-4891-b6e6-c37a9c0e83af"
"""The inbound (Jira -> Truto) webhook that triggers some Jira sync runs (``webhook_id`` on rapid_bridge)."""


def _tool(label: str, method: str, resource: str, singular: str) -> McpTool:
    names = {
        "list": f"list_all_{label}_{resource}",
        "get": f"get_single_{label}_{singular}_by_id",
        "create": f"create_a_{label}_{singular}",
    }
    return McpTool(names[method], method, resource)


MCP_HUBSPOT_GLOBEX: Final = McpServer(
    "5e0b4362-1279-42f3-90a3-7eccc9b28e20",
    "Globex HubSpot CRM",
    HUBSPOT_GLOBEX,
    (
        _tool("hub_spot", "list", "contacts", "contact"),
        _tool("hub_spot", "get", "contacts", "contact"),
        _tool("hub_spot", "list", "deals", "deal"),
        _tool("hub_spot", "create", "notes", "note"),
    ),
    8,
)
MCP_ZENDESK_ACME: Final = McpServer(
    "4071a05e-5e63-433e-b3a2-18f9457fafa8",
    "Acme Zendesk Support",
    ZENDESK_ACME,
    (
        _tool("zendesk", "list", "tickets", "ticket"),
        _tool("zendesk", "get", "tickets", "ticket"),
        _tool("zendesk", "create", "ticket_comments", "ticket_comment"),
    ),
    6,
)
MCP_JIRA_ACME: Final = McpServer(
    "95ba1fe4-22b9-4347-b6e6-1332f7c0b768",
    "Acme Jira",
    JIRA_ACME,
    (
        _tool("jira", "list", "issues", "issue"),
        _tool("jira", "get", "issues", "issue"),
        _tool("jira", "create", "issues", "issue"),
    ),
    5,
)
MCP_SALESFORCE_INITECH: Final = McpServer(
    "918a435c-7621-4bfe-9a78-b4f30f0c04b9",
    "Initech Salesforce",
    SALESFORCE_INITECH,
    (_tool("salesforce", "list", "contacts", "contact"), _tool("salesforce", "list", "opportunities", "opportunity")),
    4,
)
MCP_SERVERS: Final = (MCP_HUBSPOT_GLOBEX, MCP_ZENDESK_ACME, MCP_JIRA_ACME, MCP_SALESFORCE_INITECH)
FAILING_MCP_TOOL: Final = "list_all_hub_spot_deals"

DASHBOARD_USER_IDS: Final = ("9fac45d9-611d-4aab-a773-34144310d24d", "d7e93e01-558b-4bdd-8914-ca525c694a0f")

RUN_AUTH_FAILED: Final = "4304f3a7-ad54-450b-9bfc-5266b95409d4"
RUN_UPSTREAM_5XX: Final = "49081638-0698-4c9b-b291-2b55076a6801"
RUN_RATE_LIMITED: Final = "45a667cc-e370-4771-b9a1-d14ad6894d20"
RUN_STUCK: Final = "d8c33eba-40e6-4faf-baf6-ab319adbc836"
RUN_MAPPING_ERROR: Final = "d1c66cba-b926-4e36-bc15-13a75507ae07"
RUN_DELIVERY_FAILED: Final = "6bc5d0ba-ab6a-4e8c-bea2-8a156ba16c81"

# When each story begins, before ``now``.
AUTH_EXPIRED_AGO: Final = timedelta(days=3)
SALESFORCE_BURSTS_WITHIN: Final = timedelta(days=2)
SALESFORCE_FAILED_RUN_AGO: Final = timedelta(hours=20)
"""One burst is planted around this Salesforce run so it fails with the provider's 5xx."""
WEBHOOK_DOWN_AGO: Final = timedelta(hours=36)
MCP_TOOL_FAILING_AGO: Final = timedelta(days=1)
JIRA_MAPPING_ERRORS_AGO: Final = timedelta(days=5)
STUCK_RUN_STARTED_AGO: Final = timedelta(minutes=40)
STUCK_RUN_LAST_RECORD_AGO: Final = timedelta(minutes=30)
STAGING_MAPPING_FAILING_AGO: Final = timedelta(hours=31, minutes=7)
"""The staging contacts calls fail from then on: a failure that began before the default 24 h window."""
STAGING_SCOPE_FAILING_AGO: Final = timedelta(hours=2, minutes=17)
"""The staging deals calls fail from then on: a failure new in the default window."""
STAGING_SCHEDULE: Final = (("contacts", timedelta(minutes=30)), ("deals", timedelta(minutes=15)))
"""The staging account's calls: (resource, every), each aligned on its story's first failure."""
STAGING_CONNECTED_AGO: Final = timedelta(days=3)
"""The staging portal was connected then: its calls begin there."""

# Pinned runs: (job, how long before now the cron fires, run id, kind).
PINNED_RUNS: Final = (
    (JOB_HUBSPOT_ACME, AUTH_EXPIRED_AGO - timedelta(hours=1, minutes=7), RUN_AUTH_FAILED, "auth"),
    (JOB_SALESFORCE_INITECH, SALESFORCE_FAILED_RUN_AGO, RUN_UPSTREAM_5XX, "upstream_5xx"),
    (JOB_PIPEDRIVE_GLOBEX, timedelta(hours=9, minutes=30), RUN_RATE_LIMITED, "rate_limited"),
    (JOB_JIRA_ACME, timedelta(hours=26), RUN_MAPPING_ERROR, "mapping_failed"),
    (JOB_HUBSPOT_GLOBEX, STUCK_RUN_STARTED_AGO + timedelta(seconds=3), RUN_STUCK, "stuck"),
    (JOB_PIPEDRIVE_INITECH, timedelta(hours=5, minutes=13), RUN_DELIVERY_FAILED, "delivery_failed"),
)
