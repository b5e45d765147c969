#!/usr/bin/env bash
# Interoperability: clients that are not our Python code, against the server as users run it.
#
#   1. the official conformance suite, over HTTP: every scenario that applies to any server;
#   2. the MCP Inspector CLI: lists the tools and calls search_logs, over stdio and over HTTP
#      (with a bearer token, and refused without it);
#   3. a TypeScript SDK client (interop/client.ts): calls every tool, over stdio and over HTTP.
#
# The server is `truto-log-mcp serve --demo` (the embedded sandbox) on 127.0.0.1. Node 22, the
# TypeScript SDK, the Inspector, the suite and TypeScript are pinned in interop/package-lock.json and
# installed by `npm ci` into interop/node_modules (Node 22 comes from the npm registry: CI has Node 20).
# Everything else this writes stays in interop/.work (logs, results, the Inspector's home).
# Any step that cannot run fails the script: nothing is skipped.
#
# Run after the Python tests with truto-log-mcp on PATH (.ci/run activates .venv):  bash .ci/interop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
INTEROP="$ROOT/interop"
WORK="$INTEROP/.work"
SCENARIOS=(server-initialize ping tools-list resources-list prompts-list server-sse-multiple-streams dns-rebinding-protection)
BEARER="interop-bearer-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
PIDS=()

say() { printf 'interop: %s\n' "$*"; }
die() { printf 'interop: FAILED: %s\n' "$*" >&2; exit 1; }
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

SERVER="$(command -v truto-log-mcp)" || die "truto-log-mcp is not on PATH (run from .ci/run, or activate .venv)"
PYTHON="$(command -v python)" || die "python is not on PATH"
rm -rf "$WORK" && mkdir -p "$WORK/home" "$WORK/conformance"
started=$SECONDS

# ---- Node toolchain (pinned) ----------------------------------------------------------------
say "npm ci (Node 22, @modelcontextprotocol/sdk, inspector, conformance, typescript)"
(cd "$INTEROP" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm-ci.log" 2>&1 \
    || { cat "$WORK/npm-ci.log" >&2; die "npm ci in interop/"; }
export PATH="$INTEROP/node_modules/.bin:$PATH"
NODE_VERSION="$(node --version)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' \
    || die "node $NODE_VERSION from interop/node_modules is older than 22.19"
say "node $NODE_VERSION at $(command -v node)"

# ---- servers ----------------------------------------------------------------------------------
# start_server NAME [ENV=VALUE ...]: `serve --transport http --demo --port 0`; sets URL to its endpoint.
start_server() {
    local name="$1"; shift
    env "$@" "$SERVER" serve --transport http --demo --port 0 >"$WORK/$name.out" 2>"$WORK/$name.log" &
    PIDS+=("$!")
    local pid="$!" deadline=$((SECONDS + 30))
    URL=""
    while [ -z "$URL" ]; do
        URL="$(sed -n 's/.*serving MCP over streamable HTTP at \(http:[^ ]*\/mcp\).*/\1/p' "$WORK/$name.log" | head -n1)"
        if [ -z "$URL" ]; then
            kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "server $name exited"; }
            [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/$name.log" >&2; die "server $name did not start"; }
            sleep 0.1
        fi
    done
}
start_server open
OPEN_URL="$URL"
start_server team "TRUTO_MCP_BEARER_TOKEN=$BEARER"
TEAM_URL="$URL"
say "servers: $OPEN_URL (no auth), $TEAM_URL (bearer token)"

# check_json FILE PYTHON-EXPRESSION: the expression, over `data` (the file's JSON), must be true.
check_json() {
    "$PYTHON" - "$1" "$2" <<'EOF' || die "$1: expected $2"
import json, sys
data = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2], {"data": data}) else 1)
EOF
}

# ---- 1. conformance suite (HTTP) --------------------------------------------------------------
CONFORMANCE="$INTEROP/node_modules/@modelcontextprotocol/conformance/dist/index.js"
conformance_version="$(node "$CONFORMANCE" --version)"
for scenario in "${SCENARIOS[@]}"; do
    out="$WORK/conformance/$scenario"
    node "$CONFORMANCE" server --url "$OPEN_URL" --scenario "$scenario" -o "$out" >"$out.log" 2>&1 \
        || { cat "$out.log" >&2; die "conformance $scenario"; }
    checks="$(find "$out" -name checks.json | head -n1)"
    [ -n "$checks" ] || { cat "$out.log" >&2; die "conformance $scenario wrote no checks.json"; }
    check_json "$checks" 'len(data) > 0 and all(check["status"] == "SUCCESS" for check in data)'
    say "conformance $conformance_version $scenario: PASS ($("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$checks") checks, all SUCCESS)"
done

# ---- 2. MCP Inspector CLI (stdio and HTTP) ---------------------------------------------------
inspect() { HOME="$WORK/home" mcp-inspector --cli --format json -q "$@"; }
inspector_version="$(HOME="$WORK/home" mcp-inspector --version)"
SEARCH='{"log_type":"webhook","since":"24h","limit":3}'
TOOLS_OK='sorted(t["name"] for t in data["result"]["tools"]) == sorted(["search_logs", "get_log", "describe_log_types", "summarize_errors", "trace_sync_run", "list_sync_runs", "log_stats"])'
SEARCH_OK='data["result"]["isError"] is False and len(data["result"]["structuredContent"]["rows"]) == 3 and data["result"]["structuredContent"]["columns"][0] == "ref"'

inspect "$SERVER" serve --demo --method tools/list >"$WORK/inspector-stdio-tools.json" || die "inspector tools/list over stdio"
check_json "$WORK/inspector-stdio-tools.json" "$TOOLS_OK"
inspect "$SERVER" serve --demo --method tools/call --tool-name search_logs --tool-args-json "$SEARCH" \
    >"$WORK/inspector-stdio-search.json" || die "inspector search_logs over stdio"
check_json "$WORK/inspector-stdio-search.json" "$SEARCH_OK"
say "inspector $inspector_version stdio: tools/list (7 tools), search_logs (3 rows): PASS"

inspect "$TEAM_URL" --header "Authorization: Bearer $BEARER" --method tools/list \
    >"$WORK/inspector-http-tools.json" || die "inspector tools/list over HTTP"
check_json "$WORK/inspector-http-tools.json" "$TOOLS_OK"
inspect "$TEAM_URL" --header "Authorization: Bearer $BEARER" --method tools/call --tool-name search_logs \
    --tool-args-json "$SEARCH" >"$WORK/inspector-http-search.json" || die "inspector search_logs over HTTP"
check_json "$WORK/inspector-http-search.json" "$SEARCH_OK"
if inspect "$TEAM_URL" --stored-auth-only --method tools/list >"$WORK/inspector-http-noauth.json" 2>&1; then
    die "inspector without the bearer token was served"
fi
grep -q "unauthorized" "$WORK/inspector-http-noauth.json" || die "inspector without the bearer token: not a 401"
say "inspector $inspector_version http: tools/list (7 tools), search_logs (3 rows) with the bearer token, refused without: PASS"

# ---- 3. TypeScript SDK client (stdio and HTTP) -----------------------------------------------
(cd "$INTEROP" && tsc --noEmit -p .) || die "tsc --noEmit in interop/"
sdk_version="$(node -p 'require("./interop/node_modules/@modelcontextprotocol/sdk/package.json").version')"
node "$INTEROP/client.ts" stdio -- "$SERVER" serve --demo || die "TypeScript SDK client over stdio"
MCP_BEARER_TOKEN="$BEARER" node "$INTEROP/client.ts" http "$TEAM_URL" || die "TypeScript SDK client over HTTP"
say "TypeScript SDK $sdk_version client: every tool over stdio and HTTP: PASS"

# ---- the servers' logs carry no token --------------------------------------------------------
! grep -q -- "$BEARER" "$WORK"/*.log || die "a server log contains the bearer token"
say "all interop checks passed in $((SECONDS - started)) s"
