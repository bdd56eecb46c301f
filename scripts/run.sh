#!/usr/bin/env bash
# `make run`: set up, build the release site and server, and serve (Ctrl-C stops it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh" build
"$ROOT/scripts/build-site.sh" --release
say "serving Tessera (Ctrl-C to stop)"
exec "$CARGO_TARGET_DIR/release/tessera"
