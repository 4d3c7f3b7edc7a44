#!/usr/bin/env bash
# Usage: scripts/with-services.sh CMD [ARGS...]
#
# Runs CMD with DATABASE_URL (PostgreSQL) and REDIS_URL pointing at servers that answer.
#   - DATABASE_URL already set to a postgres:// URL -> used as is (checked with pg_isready).
#   - REDIS_URL already set                         -> used as is (checked with PING).
#   - otherwise a throwaway server is started on a free 127.0.0.1 port in a temp dir,
#     and stopped (by pid) and deleted when this script exits, even on failure or Ctrl-C.
# A server that cannot be reached or started is an error, never a skip.
# The exit code is CMD's.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

PYTHON=${PYTHON:-python3}
START_TIMEOUT=${SERVICES_START_TIMEOUT:-30}

say() { echo "with-services: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

PG_TMP=""
PG_DATA=""
REDIS_TMP=""
REDIS_PIDFILE=""

# Wait up to $2 seconds for pid $1 to exit.
wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# Stop the throwaway servers by pid (signal both first, then wait: each takes ~1 s) and delete their dirs.
cleanup() {
    local pg_pid="" redis_pid="" pid
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        pg_pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
        if [[ "$pg_pid" =~ ^[0-9]+$ ]] && kill -0 "$pg_pid" 2>/dev/null; then
            say "stopping throwaway PostgreSQL (pid $pg_pid)"
            kill -INT "$pg_pid" 2>/dev/null || true # fast shutdown
        else
            pg_pid=""
        fi
    fi
    if [[ -n "$REDIS_PIDFILE" && -f "$REDIS_PIDFILE" ]]; then
        redis_pid=$(cat "$REDIS_PIDFILE" 2>/dev/null || true)
        if [[ "$redis_pid" =~ ^[0-9]+$ ]] && kill -0 "$redis_pid" 2>/dev/null; then
            say "stopping throwaway Redis (pid $redis_pid)"
            kill -TERM "$redis_pid" 2>/dev/null || true
        else
            redis_pid=""
        fi
    fi
    for pid in $pg_pid $redis_pid; do
        if ! wait_gone "$pid" 15; then
            say "pid $pid did not stop within 15s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || true
        fi
    done
    [[ -n "$PG_TMP" ]] && rm -rf "$PG_TMP"
    [[ -n "$REDIS_TMP" ]] && rm -rf "$REDIS_TMP"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

free_port() {
    "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# ------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------
PG_HINT="install PostgreSQL (apt-get install -y postgresql redis-server), or set DATABASE_URL=postgres://USER@HOST:PORT/DB to a server that runs"

# Directory holding initdb, pg_ctl and pg_isready of one PostgreSQL version.
find_pg_bindir() {
    local initdb dir
    if initdb=$(command -v initdb 2>/dev/null); then
        dir=$(dirname "$(readlink -f "$initdb")")
        [[ -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
    done
    return 1
}

pg_isready_bin() {
    if [[ -n "${PG_BIN:-}" && -x "$PG_BIN/pg_isready" ]]; then
        echo "$PG_BIN/pg_isready"
    elif command -v pg_isready >/dev/null 2>&1; then
        command -v pg_isready
    elif PG_BIN=$(find_pg_bindir) && [[ -x "$PG_BIN/pg_isready" ]]; then
        echo "$PG_BIN/pg_isready"
    else
        return 1
    fi
}

# Run a PostgreSQL tool as the postgres user when we are root (PostgreSQL refuses to run as root).
as_pg_user() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    PG_BIN=$(find_pg_bindir) || die "no PostgreSQL server binaries (initdb/pg_ctl) in PATH or /usr/lib/postgresql/*/bin: $PG_HINT."
    if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        die "running as root but there is no 'postgres' user to run PostgreSQL as: $PG_HINT."
    fi
    local port
    port=$(free_port)
    PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sad-pg.XXXXXX")
    PG_DATA="$PG_TMP/data"
    # The postgres user must traverse the dir and own the data dir and socket dir.
    chmod 755 "$PG_TMP"
    mkdir "$PG_DATA"
    if [[ $EUID -eq 0 ]]; then
        chown postgres: "$PG_TMP" "$PG_DATA"
    fi
    say "starting throwaway PostgreSQL on 127.0.0.1:$port ($PG_BIN, data in $PG_DATA) ..."
    if ! as_pg_user "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -U postgres -E UTF8 --no-locale --no-sync \
        >"$PG_TMP/initdb.log" 2>&1; then
        cat "$PG_TMP/initdb.log" >&2
        die "initdb failed (log above): $PG_HINT."
    fi
    if ! as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/log" start -w -t "$START_TIMEOUT" \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >/dev/null; then
        tail -n 30 "$PG_TMP/log" >&2 || true
        die "PostgreSQL did not start within ${START_TIMEOUT}s on port $port (server log above): $PG_HINT."
    fi
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

wait_postgres() {
    local isready deadline=$((SECONDS + START_TIMEOUT))
    isready=$(pg_isready_bin) || {
        say "pg_isready not found; not checking $1 before running the command"
        return 0
    }
    until "$isready" -q -d "$1" -t 2; do
        if ((SECONDS >= deadline)); then
            die "PostgreSQL at $1 did not answer within ${START_TIMEOUT}s: $PG_HINT."
        fi
        sleep 0.2
    done
}

# ------------------------------------------------------------------------------
# Redis
# ------------------------------------------------------------------------------
REDIS_HINT="install Redis (apt-get install -y postgresql redis-server), or set REDIS_URL=redis://HOST:PORT/0 to a server that runs"

# PING the server at a redis:// URL; true when it answers.
redis_ping() {
    if command -v redis-cli >/dev/null 2>&1; then
        [[ "$(redis-cli -u "$1" ping 2>/dev/null)" == "PONG" ]]
    else
        "$PYTHON" - "$1" <<'EOF'
import socket, sys
from urllib.parse import urlsplit

url = urlsplit(sys.argv[1])
try:
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=2) as s:
        s.sendall(b"PING\r\n")
        reply = s.recv(64)
except OSError:
    sys.exit(1)
# +PONG, or an auth error from a server that does answer.
sys.exit(0 if reply.startswith((b"+PONG", b"-NOAUTH")) else 1)
EOF
    fi
}

start_redis() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server is not in PATH: $REDIS_HINT."
    local port
    port=$(free_port)
    REDIS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sad-redis.XXXXXX")
    REDIS_PIDFILE="$REDIS_TMP/redis.pid"
    say "starting throwaway Redis on 127.0.0.1:$port ..."
    if ! redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
        --pidfile "$REDIS_PIDFILE" --dir "$REDIS_TMP" --logfile "$REDIS_TMP/log"; then
        die "redis-server failed to start on port $port: $REDIS_HINT."
    fi
    export REDIS_URL="redis://127.0.0.1:$port/0"
}

wait_redis() {
    local deadline=$((SECONDS + START_TIMEOUT))
    until redis_ping "$1"; do
        if ((SECONDS >= deadline)); then
            [[ -n "$REDIS_TMP" ]] && tail -n 30 "$REDIS_TMP/log" >&2 2>/dev/null
            die "Redis at $1 did not answer PING within ${START_TIMEOUT}s: $REDIS_HINT."
        fi
        sleep 0.1
    done
}

# ------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------
case "${DATABASE_URL:-}" in
    postgres://* | postgresql://* | pgsql://*)
        say "using PostgreSQL from DATABASE_URL"
        ;;
    "")
        start_postgres
        ;;
    *)
        say "DATABASE_URL is not a PostgreSQL URL; ignoring it"
        start_postgres
        ;;
esac
# pg_isready understands postgres:// and postgresql:// but not django-environ's pgsql://.
wait_postgres "$(sed -E 's#^pgsql://#postgresql://#' <<<"$DATABASE_URL")"

if [[ -n "${REDIS_URL:-}" ]]; then
    say "using Redis from REDIS_URL"
else
    start_redis
fi
wait_redis "$REDIS_URL"

# Print the URLs without any password.
say "DATABASE_URL=$(sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#' <<<"$DATABASE_URL")"
say "REDIS_URL=$(sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#' <<<"$REDIS_URL")"

set +e
"$@"
rc=$?
set -e
exit "$rc"
