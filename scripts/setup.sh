#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) Tessera needs; skips what is there.
#   scripts/setup.sh build   wasm32 target, cargo-leptos, wasm-bindgen-cli, Tailwind, wasm-opt, brotli
#   scripts/setup.sh test    the above, plus Playwright, Chromium and PostgreSQL
# Idempotent: a second run only checks, in a second or two.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE="${1:-build}"
case "$MODE" in build | test) ;; *) die "usage: scripts/setup.sh [build|test]" ;; esac

CARGO_LEPTOS_VERSION=0.3.11
# The Rust version cargo-leptos's locked dependencies need.
CARGO_LEPTOS_RUSTC=1.96
# Tool builds are slow with their release profiles' fat LTO; these settings keep them minutes.
TOOL_BUILD_ENV=(CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1)

APT_UPDATED=0
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
    else die "'$*' needs root: run it as root, or install the package yourself"
    fi
}
apt_install() {
    if [ "$APT_UPDATED" = 0 ]; then
        as_root apt-get update -qq || die "apt-get update failed (is Debian's package mirror reachable?)"
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# install NAME COMMAND...: runs an install step with its time, or fails with a clear message.
install() {
    local name="$1" start=$SECONDS
    shift
    say "installing $name"
    if ! "$@"; then
        die "installing $name failed after $(elapsed $((SECONDS - start))); see the output above"
    fi
    ok "$name installed in $(elapsed $((SECONDS - start)))"
}

version_at_least() { # version_at_least HAVE WANT
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
rustc_version() { "$@" --version 2>/dev/null | awk '{print $2}' | cut -d- -f1; }

# --- the wasm32 target -------------------------------------------------------------------
debian_wasm_std_present() {
    compgen -G "/usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}
install_debian_wasm_toolchain() {
    apt_install rustc-web cargo-web rust-web-src lld-22 || return 1
    local crate
    crate="$(mktemp -d)"
    mkdir -p "$crate/src"
    printf '[package]\nname = "wasm-std"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' >"$crate/Cargo.toml"
    : >"$crate/src/lib.rs"
    (cd "$crate" && RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --release -Zbuild-std=std,panic_abort \
        --target wasm32-unknown-unknown) || return 1
    as_root mkdir -p /usr/lib/rustlib/wasm32-unknown-unknown/lib
    find "$crate/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libwasm_std-*' \
        -exec cp {} /usr/lib/rustlib/wasm32-unknown-unknown/lib/ \;
    rm -rf "$crate"
    mkdir -p "$CACHE_DIR" && echo debian >"$TOOLCHAIN_MARKER"
    export PATH="/usr/bin:$PATH"
}
ensure_wasm_target() {
    if [ -f "$TOOLCHAIN_MARKER" ] && debian_wasm_std_present; then
        ok "wasm32 target (Debian rustc $(rustc_version /usr/bin/rustc))"
    elif rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        ok "wasm32 target (rustup)"
    else
        say "installing the wasm32 target (rustup)"
        local start=$SECONDS
        if rustup target add wasm32-unknown-unknown; then
            ok "wasm32 target installed in $(elapsed $((SECONDS - start)))"
        else
            echo "rustup could not add the target; falling back to Debian's rustc-web" >&2
            install "the wasm32 target (Debian rustc-web)" install_debian_wasm_toolchain
        fi
    fi
}

# --- cargo tools -------------------------------------------------------------------------
install_cargo_leptos() {
    # Its lockfile needs a newer rustc than the machine's stable may be: use one that is.
    local toolchain=()
    if ! version_at_least "$(rustc_version rustc)" "$CARGO_LEPTOS_RUSTC"; then
        if version_at_least "$(rustc_version rustup run nightly rustc)" "$CARGO_LEPTOS_RUSTC"; then
            toolchain=(+nightly)
        else
            echo "cargo-leptos $CARGO_LEPTOS_VERSION needs rustc $CARGO_LEPTOS_RUSTC or newer; found $(rustc_version rustc) and no such nightly" >&2
            return 1
        fi
    fi
    env "${TOOL_BUILD_ENV[@]}" cargo "${toolchain[@]}" install cargo-leptos \
        --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
}
ensure_cargo_leptos() {
    if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
        ok "cargo-leptos $CARGO_LEPTOS_VERSION"
    else
        install "cargo-leptos $CARGO_LEPTOS_VERSION (about 25 min on 2 cores)" install_cargo_leptos
    fi
}

ensure_wasm_bindgen() {
    local want have
    want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' "$ROOT/Cargo.lock")"
    [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
    if [ "$have" = "$want" ]; then
        ok "wasm-bindgen-cli $want"
    else
        # Not --locked: its lockfile pins a webpki-roots release the registry here lacks.
        # MSRV-aware resolution picks dependencies this rustc can build.
        install "wasm-bindgen-cli $want (about 5 min)" env "${TOOL_BUILD_ENV[@]}" \
            CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
            cargo install wasm-bindgen-cli --version "$want" --force
    fi
}

# --- npm packages ------------------------------------------------------------------------
# npm_install DIR: installs DIR's package-lock.json unless exactly that lock is installed already.
# (`npm install`, not `npm ci`: the registry here lacks Tailwind's other-platform optional
# packages, so `npm ci` calls the lock out of sync; `npm install` honours the lock as is.)
npm_install() {
    local dir="$1" stamp="$1/node_modules/.tessera-lock" lock
    lock="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ]; then
        ok "npm packages in ${dir#"$ROOT"/}"
    else
        install "npm packages in ${dir#"$ROOT"/}" \
            bash -c "cd '$dir' && npm install --no-audit --no-fund --loglevel=error && echo '$lock' > '$stamp'"
    fi
}

# --- brotli, for the precompressed site (scripts/build-site.sh) --------------------------
ensure_brotli() {
    if command -v brotli >/dev/null; then
        ok "brotli ($(brotli --version 2>/dev/null | awk '{print $2}'))"
    else
        install "brotli (Debian)" apt_install brotli
    fi
}

# --- test-only system packages -----------------------------------------------------------
ensure_chromium() {
    if [ -x /usr/bin/chromium ]; then
        ok "Chromium ($(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
    else
        install "Chromium (Debian)" apt_install chromium
    fi
}
ensure_postgres() {
    if [ -n "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
        ok "PostgreSQL (using TESSERA_TEST_POSTGRES_URL)"
    elif compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
        ok "PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1)"
    else
        install "PostgreSQL (Debian)" apt_install postgresql
    fi
}

# --- schemathesis, for the API contract run (scripts/schemathesis.sh) --------------------
SCHEMATHESIS_VENV="$CACHE_DIR/schemathesis"
ensure_schemathesis() {
    local requirements="$ROOT/scripts/schemathesis-requirements.txt"
    local stamp="$SCHEMATHESIS_VENV/installed-requirements.txt"
    if [ -x "$SCHEMATHESIS_VENV/bin/st" ] && cmp -s "$requirements" "$stamp"; then
        ok "schemathesis $("$SCHEMATHESIS_VENV/bin/st" --version | awk '{print $NF}')"
        return
    fi
    command -v python3 >/dev/null || die "python3 is missing: install Python 3.10 or newer"
    install "schemathesis (PyPI, pinned in scripts/schemathesis-requirements.txt)" bash -c "
        python3 -m venv '$SCHEMATHESIS_VENV' &&
        '$SCHEMATHESIS_VENV/bin/pip' install --quiet --disable-pip-version-check -r '$requirements' &&
        cp '$requirements' '$stamp'"
}

start=$SECONDS
say "checking what Tessera needs to $MODE"
command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup (https://rustup.rs)"
command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer"
ensure_wasm_target
ensure_cargo_leptos
ensure_wasm_bindgen
npm_install "$ROOT"
ensure_brotli
if [ "$MODE" = test ]; then
    npm_install "$ROOT/end2end"
    ensure_chromium
    ensure_postgres
    ensure_schemathesis
fi
ok "set-up complete in $(elapsed $((SECONDS - start)))"
