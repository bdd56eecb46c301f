#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: its own cluster in a temporary directory,
# on a free loopback port, trusting local connections. Never touches the system cluster.
#   scripts/postgres.sh start DIR [durable]
#                                   initdb + start in DIR; prints the admin URL. Without
#                                   `durable`, commits are not flushed (fast, and lost in a
#                                   crash); with it, PostgreSQL's own defaults.
#   scripts/postgres.sh stop DIR    stops it and deletes DIR
#   scripts/postgres.sh crash DIR   stops it at once, as a crash would (pg_ctl -m immediate);
#                                   DIR is kept
#   scripts/postgres.sh resume DIR  starts it again, on the same port
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
[ -n "$BIN" ] || die "no PostgreSQL server installed (scripts/setup.sh test installs it)"

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# serve DIR PORT: starts the cluster in DIR on PORT and waits until it accepts connections.
serve() {
    # Durability is pointless for most throw-away test databases; speed is not.
    local fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ -f "$1/durable" ] && fast=""
    as_pg "$BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 30 \
        -o "-p $2 -c listen_addresses=127.0.0.1 -k $1 $fast -c max_connections=200" \
        start >/dev/null || { cat "$1/server.log" >&2; die "PostgreSQL did not start"; }
}

case "${1:-}" in
start)
    dir="$2"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port="$(free_port)"
    echo "$port" >"$dir/port"
    [ "${3:-}" = durable ] && touch "$dir/durable"
    as_pg "$BIN/initdb" -D "$dir/data" --auth=trust --username=tessera --encoding=UTF8 \
        --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    serve "$dir" "$port"
    echo "postgres://tessera@127.0.0.1:$port/postgres"
    ;;
crash)
    as_pg "$BIN/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null
    ;;
resume)
    serve "$2" "$(cat "$2/port")"
    ;;
stop)
    dir="$2"
    if [ -d "$dir/data" ]; then
        as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    die "usage: scripts/postgres.sh start|stop|crash|resume DIR"
    ;;
esac
