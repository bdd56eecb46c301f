#!/usr/bin/env bash
# make soak: a steady, mixed load on one server for a long while (10 minutes by default) —
# API reads, writes and introspection, and the UI's server functions — while the server's
# resident memory is sampled, on SQLite and then on a throw-away PostgreSQL. Fails on any
# unexpected answer, or when memory grows by 10 % or more after warm-up (examples/soak/main.rs
# says how that is judged).
#   scripts/soak.sh [--smoke] [--engine sqlite|postgres|both] [DURATION]
# DURATION (or TESSERA_SOAK_DURATION) such as 90s, 10m or 1h, for each engine;
# TESSERA_SOAK_RATE, requests a second. --smoke: the debug build, 90 s at 100 requests/s on
# each engine, memory every 5 s (make test).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

TOKENS=2000
profile=release duration=10m rate=500 sample=10s engines=both
while [ $# -gt 0 ]; do
    case "$1" in
    --smoke) profile=debug duration=90s rate=100 sample=5s ;;
    --engine) engines="${2:-}"; shift ;;
    -*) die "unknown option $1 (scripts/soak.sh [--smoke] [--engine sqlite|postgres|both] [DURATION])" ;;
    *) duration="$1" ;;
    esac
    shift
done
case "$engines" in
sqlite | postgres | both) ;;
*) die "--engine $engines: expected sqlite, postgres or both" ;;
esac
DURATION="${TESSERA_SOAK_DURATION:-$duration}"
RATE="${TESSERA_SOAK_RATE:-$rate}"
BIN="$CARGO_TARGET_DIR/$profile"

if [ "$profile" = debug ]; then
    # Two builds, as make test's other steps make them: the server as cargo leptos builds it
    # (so this rebuilds nothing and leaves the server e2e.sh runs as it was), the driver with
    # the dev-dependencies, as the tests build the library.
    timed "build (debug): server" cargo build --features ssr --bin tessera
    timed "build (debug): soak driver" cargo build --features ssr --example soak
else
    # One build, as make bench's: the server and the driver share the library's compile.
    timed "build (release): server and soak driver" \
        cargo build --release --features ssr --bin tessera --example soak
fi

# The server and the seeder read the same configuration.
throwaway_site
pg_dir=""
# throwaway_site's exit trap stops the server and removes $work; PostgreSQL goes too.
trap 'if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; fi
      if [ -n "$pg_dir" ]; then "$ROOT/scripts/postgres.sh" stop "$pg_dir"; fi
      rm -rf "$work"' EXIT
# Request lines at info would be most of the server's work and fill the disk over hours.
export TESSERA_LOG=warn

# soak ENGINE DATABASE_URL: seeds a fresh database, starts the server on it, runs the load.
soak() {
    local engine="$1"
    export TESSERA_DATABASE_URL="$2"
    export TESSERA_DATA_DIR="$work/$engine"
    mkdir -p "$TESSERA_DATA_DIR"
    local dir="$work/$engine-soak"
    mkdir -p "$dir"
    timed "$engine: seed an Owner, a workspace and $TOKENS tokens" "$BIN/examples/soak" seed "$dir" "$TOKENS"
    start_server "$BIN/tessera"
    say "$engine: $DURATION of mixed load at $RATE requests/s"

    local status=0 server_status=0
    "$BIN/examples/soak" run "$base" "$server_pid" "$dir" \
        --duration "$DURATION" --rate "$RATE" --sample "$sample" || status=$?
    kill -TERM "$server_pid"
    wait "$server_pid" || server_status=$?
    server_pid=""
    # Each engine's log kept apart (the next start_server writes $work/server.log afresh).
    local log="$dir/server.log"
    mv "$work/server.log" "$log"
    if [ "$status" != 0 ] || [ "$server_status" != 0 ] || logged_errors -q "$log"; then
        echo "--- $engine server log (last 40 lines) ---" >&2
        tail -n 40 "$log" >&2
        echo "--- $engine server log: its errors (first 20) ---" >&2
        logged_errors "$log" | head -n 20 >&2 || true
    fi
    [ "$status" = 0 ] || die "$engine: the soak failed (above: errors, or memory that grew)"
    [ "$server_status" = 0 ] || die "$engine: the server exited with status $server_status on SIGTERM"
    ! logged_errors -q "$log" || die "$engine: the server logged errors during the soak"
    ok "$engine: soak passed: no errors, memory flat after warm-up"
}

if [ "$engines" != postgres ]; then
    soak sqlite "sqlite://$work/sqlite/tessera.db"
fi
if [ "$engines" != sqlite ]; then
    pg_dir="$(mktemp -d /tmp/tessera-pg.XXXXXX)"
    say "starting a throw-away PostgreSQL"
    admin_url="$("$ROOT/scripts/postgres.sh" start "$pg_dir")"
    psql "$admin_url" -q -c "CREATE DATABASE tessera_soak" >/dev/null || die "cannot create the soak database"
    soak postgres "${admin_url%/postgres}/tessera_soak"
fi
