/**
 * An independent client: the official TypeScript SDK calls every tool of truto-log-mcp and checks
 * the answers, over stdio or streamable HTTP, against the sandbox (`serve --demo`).
 *
 * It is not our Python code talking to itself: the TypeScript SDK negotiates its own protocol
 * version, frames its own messages and validates every `structuredContent` against the tool's
 * `outputSchema` (callTool throws otherwise), so a server that only works with the Python SDK
 * fails here.
 *
 *   node client.ts stdio -- truto-log-mcp serve --demo
 *   node client.ts http http://127.0.0.1:8000/mcp        (MCP_BEARER_TOKEN: sent as a bearer token)
 *
 * Exit code 0 when every check passed, 1 otherwise.
 */

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

type Json = Record<string, unknown>;

const TOOLS = [
  "search_logs",
  "get_log",
  "describe_log_types",
  "summarize_errors",
  "trace_sync_run",
  "list_sync_runs",
  "log_stats",
] as const;

let failures = 0;
let calls = 0;

function check(condition: boolean, what: string): void {
  if (!condition) {
    failures += 1;
    console.error(`FAIL ${what}`);
  }
}

function transportFrom(argv: string[]): { transport: Transport; label: string } {
  const [kind, ...rest] = argv;
  if (kind === "http" && rest.length === 1) {
    const headers: Record<string, string> = {};
    if (process.env.MCP_BEARER_TOKEN) headers.Authorization = `Bearer ${process.env.MCP_BEARER_TOKEN}`;
    return {
      transport: new StreamableHTTPClientTransport(new URL(rest[0]), { requestInit: { headers } }),
      label: `http ${rest[0]}`,
    };
  }
  const command = rest[0] === "--" ? rest.slice(1) : rest;
  if (kind === "stdio" && command.length > 0) {
    return {
      transport: new StdioClientTransport({
        command: command[0],
        args: command.slice(1),
        env: getDefaultEnvironment(),
        stderr: "ignore",
      }),
      label: `stdio ${command.join(" ")}`,
    };
  }
  console.error("usage: node client.ts stdio -- COMMAND [ARGS...] | node client.ts http URL");
  process.exit(2);
}

function textOf(result: Json): string {
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return content
    .filter((block) => block.type === "text")
    .map((block) => block.text ?? "")
    .join("\n");
}

async function call(client: Client, name: string, args: Json): Promise<Json> {
  calls += 1;
  const result = (await client.callTool({ name, arguments: args })) as Json;
  check(result.isError !== true, `${name} ${JSON.stringify(args)}: isError (${textOf(result).slice(0, 200)})`);
  const structured = result.structuredContent;
  check(typeof structured === "object" && structured !== null, `${name}: structuredContent is an object`);
  check(textOf(result).length > 0, `${name}: has a text block`);
  return (structured ?? {}) as Json;
}

async function main(): Promise<void> {
  const { transport, label } = transportFrom(process.argv.slice(2));
  const client = new Client({ name: "truto-log-mcp-interop", version: "0.1.0" });
  await client.connect(transport);
  const server = client.getServerVersion();
  check(server?.name === "truto-logs", `server name is truto-logs (got ${server?.name})`);

  const { tools } = await client.listTools();
  check(tools.length === TOOLS.length, `tools/list: ${TOOLS.length} tools (got ${tools.length})`);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  for (const name of TOOLS) {
    const tool = byName.get(name);
    check(tool !== undefined, `tools/list has ${name}`);
    check(tool?.outputSchema !== undefined, `${name} declares an outputSchema`);
    check(tool?.annotations?.readOnlyHint === true, `${name} is annotated readOnlyHint`);
  }

  const described = await call(client, "describe_log_types", {});
  const logTypes = (described.log_types ?? []) as Json[];
  check(logTypes.length === 5, `describe_log_types: 5 log types (got ${logTypes.length})`);

  const search = await call(client, "search_logs", { log_type: "webhook", since: "7d", limit: 5 });
  const rows = (search.rows ?? []) as unknown[][];
  check(Array.isArray(search.columns) && (search.columns as string[])[0] === "ref", "search_logs: first column is ref");
  check(rows.length === 5, `search_logs: 5 rows (got ${rows.length})`);
  check(typeof search.next_cursor === "string", "search_logs: next_cursor is a string");
  check(typeof (search.coverage as Json | undefined)?.rows_scanned === "number", "search_logs: coverage.rows_scanned");

  const next = await call(client, "search_logs", { cursor: search.next_cursor, limit: 5 });
  const firstRefs = new Set(rows.map((row) => row[0]));
  const nextRows = (next.rows ?? []) as unknown[][];
  check(nextRows.length > 0 && nextRows.every((row) => !firstRefs.has(row[0])), "search_logs: the cursor continues");

  const ref = String(rows[0]?.[0]);
  const opened = await call(client, "get_log", { ref });
  check(opened.ref === ref && opened.log_type === "webhook", "get_log: the ref's webhook row");
  check(typeof opened.row === "object" && opened.row !== null, "get_log: row is an object");

  const errors = await call(client, "summarize_errors", { since: "24h" });
  const groups = (errors.groups ?? []) as Json[];
  check(groups.length > 0 && typeof groups[0]?.template === "string", "summarize_errors: error groups with templates");
  check(typeof errors.error_rate === "number" && Array.isArray(errors.coverage), "summarize_errors: totals, coverage");

  const stats = await call(client, "log_stats", {
    log_type: "unified_proxy_api",
    since: "24h",
    group_by: ["integration"],
    bucket: "6h",
  });
  check(typeof (stats.total as Json | undefined)?.count === "number", "log_stats: total count");
  check(((stats.groups ?? []) as Json[]).length > 0, "log_stats: groups by integration");
  check(((stats.buckets ?? []) as Json[]).length >= 4, "log_stats: 6h buckets over 24h");

  const failedRuns = await call(client, "search_logs", {
    log_type: "rapid_bridge",
    since: "7d",
    match: { sync_job_run_event: "failed" },
    fields: ["sync_job_run_id"],
    limit: 1,
  });
  const runId = String(((failedRuns.rows ?? []) as unknown[][])[0]?.[1] ?? "");
  check(runId.length >= 8, `search_logs: found a failed sync run (${runId})`);
  const trace = await call(client, "trace_sync_run", { sync_job_run_id: runId });
  check(trace.sync_job_run_id === runId && trace.outcome === "failed", `trace_sync_run: outcome failed (${trace.outcome})`);
  check(typeof (trace.diagnosis as Json | undefined)?.summary === "string", "trace_sync_run: a diagnosis");
  check(((trace.timeline ?? []) as unknown[]).length > 0, "trace_sync_run: a timeline");

  const failedListing = await call(client, "list_sync_runs", { outcome: "failed", limit: 3 });
  const listed = (failedListing.runs ?? []) as Json[];
  check(listed.length > 0 && listed.every((run) => run.outcome === "failed"), "list_sync_runs: failed runs only");
  check(typeof (failedListing.totals as Json | undefined)?.failed === "number", "list_sync_runs: totals per outcome");
  const listedId = String(listed[0]?.sync_job_run_id ?? "");
  const listedTrace = await call(client, "trace_sync_run", { sync_job_run_id: listedId });
  check(listedTrace.outcome === "failed", `list_sync_runs: its run id traces as failed (${listedTrace.outcome})`);
  if (typeof failedListing.next_cursor === "string") {
    const more = await call(client, "list_sync_runs", { cursor: failedListing.next_cursor });
    check(Number(more.offset) === listed.length, "list_sync_runs: the cursor continues after the first page");
  }

  calls += 1;
  const refused = (await client.callTool({ name: "search_logs", arguments: { log_type: "bogus" } })) as Json;
  check(refused.isError === true, "search_logs with a bad log_type: isError");
  check(textOf(refused).startsWith("[invalid_argument]"), `bad log_type: text starts with [invalid_argument]`);

  await client.close();
  if (failures > 0) {
    console.error(`TypeScript SDK client (${label}): ${failures} check(s) failed`);
    process.exit(1);
  }
  console.log(`TypeScript SDK client (${label}): ${TOOLS.length} tools listed, ${calls} calls, every check passed`);
}

main().catch((error: unknown) => {
  console.error("TypeScript SDK client failed:", error);
  process.exit(1);
});
