#!/usr/bin/env bash
# Builds the site the way every script here serves it: `cargo leptos build --split`
# (arguments passed on, such as --release; --split cuts each lazy route's page into its own
# WASM file, src/app/mod.rs), then NAME.br and NAME.gz beside each WASM, JavaScript and
# CSS file of the site's pkg/, which the server sends to browsers that accept them
# (src/server/http/assets.rs). Compressing once here costs nothing per request.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

timed "cargo leptos build --split $*" cargo leptos build --split "$@"

# Brotli's best level for what people download; a faster one for the debug build, whose
# WASM is several times larger and only served to tests.
level=5
for arg in "$@"; do [ "$arg" = --release ] && level=11; done
command -v brotli >/dev/null || die "brotli is missing: run scripts/setup.sh build"

compress() {
    local file
    for file in "$ROOT"/target/site/pkg/*.wasm "$ROOT"/target/site/pkg/*.js "$ROOT"/target/site/pkg/*.css; do
        [ -f "$file" ] || continue
        brotli --force --keep --quality="$level" "$file"
        gzip --force --keep -9 "$file"
    done
}
timed "precompress target/site/pkg (brotli -q $level, gzip -9)" compress
ls -l "$ROOT"/target/site/pkg | awk 'NR > 1 { printf "    %9d  %s\n", $5, $9 }'
