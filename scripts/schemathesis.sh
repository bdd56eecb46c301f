#!/usr/bin/env bash
# The API contract run: schemathesis (pinned, installed by setup.sh test) generates requests
# from /api/v1/openapi.json and fails on any answer the document does not promise — every
# check, the stateful phase included — against a fresh server on a throw-away SQLite
# database, driven by an Owner-scoped token. Fixed seed and a bounded number of examples:
# the same cases every run, a few minutes at most.
#   scripts/schemathesis.sh [extra st run options]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ST="$CACHE_DIR/schemathesis/bin/st"
[ -x "$ST" ] || die "$ST is missing: run scripts/setup.sh test"
BIN="$CARGO_TARGET_DIR/debug/tessera"
[ -x "$BIN" ] || die "$BIN is missing: run scripts/build-site.sh first"
timed "build the fixture tool" cargo build --quiet --example e2e_fixture --features ssr
FIXTURE="$CARGO_TARGET_DIR/debug/examples/e2e_fixture"

throwaway_site
# The fuzzer sends thousands of requests from one address, many on purpose without a
# valid token or as leak reports: the per-address limits would answer 429 to most.
export TESSERA_INVALID_TOKEN_REQUESTS_PER_HOUR=100000
export TESSERA_LEAK_REPORTS_PER_HOUR=100000
TESSERA_CONTRACT_TOKEN="$("$FIXTURE" owner-token contract@example.com Contract schemathesis)"
export TESSERA_CONTRACT_TOKEN
start_server "$BIN"

TESSERA_CONTRACT_WORKSPACE="$(curl -fsS -H "Authorization: Bearer $TESSERA_CONTRACT_TOKEN" "$base/api/v1/access-token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["workspaces"][0]["id"])')"
export TESSERA_CONTRACT_WORKSPACE

status=0
# The driving token is the Owner's personal token, which the workspace's token operations
# cannot reach. The three that could end it are left out — revoking itself (DELETE
# /access-token), rotating itself (POST /access-token/rotate) and removing it from the
# workspace — or every later case would be a 401; tests/api.rs, tests/rotation.rs and
# tests/personal_tokens.rs hold their contract.
(cd "$work" && "$ST" --config-file "$ROOT/scripts/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --exclude-operation-id-regex "^(revoke_self|rotate_self|remove_personal_token)$" \
    --no-color \
    "$@") || status=$?

kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
if logged_errors -q "$work/server.log"; then
    logged_errors "$work/server.log" | head -20 >&2
    status=1
fi
[ "$status" = 0 ] || die "schemathesis found answers the OpenAPI document does not promise (above)"
ok "the API keeps its contract"
