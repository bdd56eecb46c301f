#!/usr/bin/env bash
# make soak: a steady, mixed load on one server for a long while (10 minutes by default) —
# API reads, writes and introspection, and the UI's server functions — while the server's
# resident memory is sampled. Fails on any unexpected answer, or when memory grows by 10 % or
# more after warm-up (examples/soak.rs says how that is judged).
#   scripts/soak.sh [--smoke] [DURATION]
# DURATION (or TESSERA_SOAK_DURATION) such as 90s, 10m or 1h; TESSERA_SOAK_RATE, requests a
# second. --smoke: the debug build, 90 s at 100 requests/s, memory every 5 s (make test).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

TOKENS=2000
if [ "${1:-}" = --smoke ]; then
    shift
    profile=debug duration=90s rate=100 sample=5s
    # Two builds, as make test's other steps make them: the server as cargo leptos builds it
    # (so this rebuilds nothing and leaves the server e2e.sh runs as it was), the driver with
    # the dev-dependencies, as the tests build the library.
    timed "build (debug): server" cargo build --features ssr --bin tessera
    timed "build (debug): soak driver" cargo build --features ssr --example soak
else
    profile=release duration=10m rate=500 sample=10s
    # One build, as make bench's: the server and the driver share the library's compile.
    timed "build (release): server and soak driver" \
        cargo build --release --features ssr --bin tessera --example soak
fi
DURATION="${1:-${TESSERA_SOAK_DURATION:-$duration}}"
RATE="${TESSERA_SOAK_RATE:-$rate}"
BIN="$CARGO_TARGET_DIR/$profile"

# The server and the seeder read the same configuration.
throwaway_site
# Request lines at info would be most of the server's work and fill the disk over hours.
export TESSERA_LOG=warn
timed "seed: an Owner, a workspace and $TOKENS tokens" "$BIN/examples/soak" seed "$work" "$TOKENS"
start_server "$BIN/tessera"

status=0
"$BIN/examples/soak" run "$base" "$server_pid" "$work" \
    --duration "$DURATION" --rate "$RATE" --sample "$sample" || status=$?

kill -TERM "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""
if [ "$status" != 0 ] || [ "$server_status" != 0 ] || grep -qiE "panicked|ERROR" "$work/server.log"; then
    echo "--- server log (last 40 lines) ---" >&2
    tail -n 40 "$work/server.log" >&2
fi
[ "$status" = 0 ] || die "the soak failed (above: errors, or memory that grew)"
[ "$server_status" = 0 ] || die "the server exited with status $server_status on SIGTERM"
! grep -qiE "panicked|ERROR" "$work/server.log" || die "the server logged errors during the soak"
ok "soak passed: no errors, memory flat after warm-up"
