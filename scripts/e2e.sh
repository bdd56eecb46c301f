#!/usr/bin/env bash
# Playwright against a freshly started server on a throw-away data directory (SQLite).
# Expects `scripts/build-site.sh` to have run. Stops the server with SIGTERM afterwards and
# fails unless it shut down cleanly.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN="$CARGO_TARGET_DIR/debug/tessera"
[ -x "$BIN" ] || die "$BIN is missing: run scripts/build-site.sh first"
# The tool that loads fixtures (an already expired token) into the throw-away database.
timed "build the e2e fixture tool" cargo build --quiet --example e2e_fixture --features ssr
export TESSERA_FIXTURE_BIN="$CARGO_TARGET_DIR/debug/examples/e2e_fixture"
# The operator's CLI (tessera admin reset-password) reads the same configuration.
export TESSERA_BIN="$BIN"

# The server and the fixture tool read the same configuration.
throwaway_site
# Playwright's calls come from 127.0.0.1: trusted as a proxy, a call may say (through
# X-Forwarded-For) that it comes from elsewhere, as the IP allowlist test needs.
export TESSERA_TRUSTED_PROXIES="127.0.0.1"
start_server "$BIN"

status=0
# Arguments go to Playwright: `scripts/e2e.sh 1-first-run 7-personal` runs only those specs.
(cd "$ROOT/end2end" && BASE_URL="$base" npx playwright test "$@") || status=$?

kill -TERM "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""
if [ "$status" != 0 ] || [ "$server_status" != 0 ] || ! grep -q "stopped" "$work/server.log"; then
    echo "--- server log ---" >&2
    cat "$work/server.log" >&2
fi
[ "$status" = 0 ] || die "Playwright tests failed"
[ "$server_status" = 0 ] || die "the server exited with status $server_status on SIGTERM"
grep -q "stopped" "$work/server.log" || die "the server did not log a clean stop"
ok "server stopped cleanly on SIGTERM"
