#!/usr/bin/env bash
# Everything `make test` runs: formatting, clippy (server and WASM), Rust tests on SQLite
# and on a throw-away PostgreSQL, then Playwright against a fresh server.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
start=$SECONDS

"$ROOT/scripts/setup.sh" test

# Each checkout path links its own test and example executables (about 7 GB a run with debug
# info) into the shared target directory; those left by earlier runs are never used again and
# once filled this machine's disk. Executables untouched for two hours go (cargo relinks any
# it still needs); libraries stay, so nothing is recompiled.
for dir in "$CARGO_TARGET_DIR/debug/deps" "$CARGO_TARGET_DIR/debug/examples"; do
    [ -d "$dir" ] && find "$dir" -maxdepth 1 -type f -perm -u+x -mmin +120 \
        ! -name '*.so' ! -name '*.rlib' ! -name '*.rmeta' -delete
done

pg_dir=""
stop_postgres() {
    if [ -n "$pg_dir" ]; then
        "$ROOT/scripts/postgres.sh" stop "$pg_dir"
        pg_dir=""
    fi
}
trap stop_postgres EXIT

timed "cargo fmt --check" cargo fmt --all -- --check
timed "clippy (server)" cargo clippy --features ssr --all-targets -- -D warnings
timed "clippy (browser)" cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
# The browser build make run makes (opt-level z, LTO): it computes what clippy and the debug
# build do not, such as the page views' type layouts (a depth past rustc's limit once broke
# only this build). Where and as cargo-leptos builds it (the flags: .cargo/config.toml's, and
# the link argument `cargo leptos build --split` adds), so make run reuses it.
timed "release WASM build" env RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs" cargo build --lib --target wasm32-unknown-unknown --no-default-features \
    --features hydrate --profile wasm-release --target-dir "$CARGO_TARGET_DIR/front"

if [ -z "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
    pg_dir="$(mktemp -d /tmp/tessera-pg.XXXXXX)"
    say "starting a throw-away PostgreSQL"
    TESSERA_TEST_POSTGRES_URL="$("$ROOT/scripts/postgres.sh" start "$pg_dir")"
    export TESSERA_TEST_POSTGRES_URL
    ok "PostgreSQL at $TESSERA_TEST_POSTGRES_URL"
fi
timed "Rust tests (SQLite and PostgreSQL)" cargo test --features ssr
stop_postgres

"$ROOT/scripts/build-site.sh"
timed "API contract (schemathesis)" "$ROOT/scripts/schemathesis.sh"
timed "Playwright (Chromium)" "$ROOT/scripts/e2e.sh"
timed "soak (smoke: 90 s on each engine, debug build)" "$ROOT/scripts/soak.sh" --smoke

ok "all tests passed in $(elapsed $((SECONDS - start)))"
