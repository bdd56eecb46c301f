# Shared by the scripts: paths, PATH, and small helpers. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tessera"
# Written by setup.sh when the wasm32 target comes from Debian's rustc instead of rustup.
TOOLCHAIN_MARKER="$CACHE_DIR/toolchain"

export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -f "$TOOLCHAIN_MARKER" ] && [ "$(cat "$TOOLCHAIN_MARKER")" = debian ]; then
    # Debian route: cargo and rustc from /usr/bin for every build (mixing compilers fails);
    # cargo-leptos and wasm-bindgen still come from ~/.cargo/bin.
    export PATH="/usr/bin:$PATH"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

say() { printf '\033[1;34m==>\033[0m \033[1m%s\033[0m\n' "$*"; }
ok() { printf '    \033[32m✓\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# logged_errors [GREP OPTIONS] LOG: the lines of a server log that are errors: a panic, or an
# event at ERROR level (the text format: the time, then the level). Not the word anywhere in
# a line: a slow-statement warning quotes its SQL, which may name the outbox's last_error.
logged_errors() { grep -E "panicked|^[^ ]+ +ERROR " "$@"; }

# elapsed SECONDS -> "3m07s"
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# timed NAME COMMAND...: runs a step, prints how long it took, fails loudly.
timed() {
    local name="$1" start=$SECONDS
    shift
    say "$name"
    if ! "$@"; then
        die "$name failed after $(elapsed $((SECONDS - start)))"
    fi
    ok "$name: $(elapsed $((SECONDS - start)))"
}

# A TCP port nobody listens on right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_url URL SECONDS: polls until the URL answers 200.
wait_for_url() {
    local url="$1" deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        [ $SECONDS -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# A throw-away site for scripts/e2e.sh and scripts/schemathesis.sh: a fresh SQLite data
# directory and a free port, configured through TESSERA_* (which the fixture tool reads
# too). Sets work, port and base; the server started by start_server is stopped and the
# directory removed on exit.
throwaway_site() {
    work="$(mktemp -d)"
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    server_pid=""
    trap 'if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
    export TESSERA_CONFIG="$ROOT/Leptos.toml"
    export TESSERA_SITE_ADDR="127.0.0.1:$port"
    export TESSERA_SITE_ROOT="$ROOT/target/site"
    export TESSERA_DATA_DIR="$work/data"
    export TESSERA_DATABASE_URL="sqlite://$work/data/tessera.db"
    mkdir -p "$work/data"
}

# start_server BIN: runs the server in the background (log: $work/server.log) and waits
# until it answers /healthz.
start_server() {
    "$1" >"$work/server.log" 2>&1 &
    server_pid=$!
    if ! wait_for_url "$base/healthz" 60; then
        cat "$work/server.log" >&2
        die "the server did not become healthy at $base within 60 s"
    fi
}
