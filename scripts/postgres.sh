#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: its own cluster in a temporary directory,
# on a free loopback port, trusting local connections. Never touches the system cluster.
#   scripts/postgres.sh start DIR   initdb + start in DIR; prints the admin URL
#   scripts/postgres.sh stop DIR    stops it and deletes DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
[ -n "$BIN" ] || die "no PostgreSQL server installed (scripts/setup.sh test installs it)"

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    dir="$2"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port="$(free_port)"
    as_pg "$BIN/initdb" -D "$dir/data" --auth=trust --username=tessera --encoding=UTF8 \
        --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # Durability is pointless for a throw-away test database; speed is not.
    as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
    echo "postgres://tessera@127.0.0.1:$port/postgres"
    ;;
stop)
    dir="$2"
    if [ -d "$dir/data" ]; then
        as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    die "usage: scripts/postgres.sh start|stop DIR"
    ;;
esac
