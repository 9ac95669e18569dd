#!/usr/bin/env bash
# Throughput/latency benchmark of a freshly baked service on ONE uvicorn worker, and of its
# domain events.
#
#   bash bench/run.sh [sqlite|postgresql] [all|http|events]      (default: sqlite all)
#
# Bakes the template into a temp dir, installs it into its own uv venv, (postgresql: starts a
# throwaway cluster on a free loopback port), migrates, registers + logs in a user, then (http):
#   1. wrk -t2 -c50 -d10s  GET /health  and  authenticated GET /api/v1/users/{id}   (LOG_LEVEL=WARNING)
#   2. bench/login_burst.py: /health p50/p99 idle vs during a burst of cost-12 logins
#   3. the same two wrk runs again with the JSON access log on (LOG_LEVEL=INFO, to a file)
# and (events) bench/events.py on a fresh database: events/s through outbox -> relay ->
# subscribers, the outbox's cost on the registration path, then the same throughput in a
# use_redis=true bake against a throwaway redis-server (outbox -> stream -> consumer).
# It prints numbers only; it never asserts timings. Environment knobs: WRK_DURATION (10s),
# WRK_THREADS (2), WRK_CONNECTIONS (50), EVENTS (3000), BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail

DRIVER=${1:-sqlite}
PARTS=${2:-all}
case "$DRIVER:$PARTS" in sqlite:all | sqlite:http | sqlite:events | postgresql:all | postgresql:http | postgresql:events) ;; *)
    echo "usage: bash bench/run.sh [sqlite|postgresql] [all|http|events]" >&2
    exit 2
    ;;
esac
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATE=$(dirname "$BENCH_DIR")
WRK_DURATION=${WRK_DURATION:-10s}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-50}
EVENTS=${EVENTS:-3000}

WORK=$(mktemp -d /tmp/bench.XXXXXX)
PGDIR=""
PGBIN=""
SERVER_PID=""
REDIS_PID=""

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

cleanup() {
    stop_server
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
    fi
    if [ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
        as_postgres "'$PGBIN/pg_ctl' -D '$PGDIR/data' -m immediate -w stop" >/dev/null 2>&1 || true
    fi
    [ -n "$PGDIR" ] && rm -rf "$PGDIR"
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

apt_install() { # $1 = command, $2 = Debian package
    command -v "$1" >/dev/null && return 0
    apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}

# --- tools ------------------------------------------------------------------------------------
command -v uv >/dev/null || python3 -m pip install -q uv
[ "$PARTS" = events ] || apt_install wrk wrk
[ "$PARTS" = http ] || apt_install redis-server redis-server

# --- bake + install ---------------------------------------------------------------------------
bake() { # $1 = use_redis, $2 = directory; the project lands in $2/my_service, its venv in $2/venv
    mkdir -p "$2"
    uv venv -q --python python3 "$2/venv"
    VIRTUAL_ENV="$2/venv" uv pip install -q cookiecutter
    if ! "$2/venv/bin/cookiecutter" "$TEMPLATE" --no-input -o "$2" db_driver="$DRIVER" use_docker=false \
        use_redis="$1" >"$2/bake.log" 2>&1; then
        echo "cookiecutter failed:" >&2
        head -20 "$2/bake.log" >&2
        exit 1
    fi
    VIRTUAL_ENV="$2/venv" uv pip install -q -e "$2/my_service[dev]"
}

echo "== bake $DRIVER variant into $WORK"
bake false "$WORK"
VENV="$WORK/venv"
PROJECT="$WORK/my_service"
PY="$VENV/bin/python"

# --- database ---------------------------------------------------------------------------------
if [ "$DRIVER" = postgresql ]; then
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    PGDIR=$(mktemp -d /tmp/bench-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDIR"
    PGPORT=$(free_port)
    as_postgres "'$PGBIN/initdb' -D '$PGDIR/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    as_postgres "'$PGBIN/pg_ctl' -D '$PGDIR/data' -l '$PGDIR/server.log' -o \"-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1\" -w start" >/dev/null
    psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE bench" >/dev/null
    DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/bench"
    echo "== throwaway PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
else
    DATABASE_URL="sqlite+aiosqlite:///$WORK/bench.db"
fi

export APP_ENV=local DATABASE_URL
export JWT_SECRET_KEY
JWT_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
export BCRYPT_ROUNDS=12 LOGIN_RATE_LIMIT_PER_MINUTE=0

fresh_database() { # $1 = name, $2 = project, $3 = its python; prints the URL, migrated
    local url
    if [ "$DRIVER" = postgresql ]; then
        psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE $1" >/dev/null
        url="postgresql://postgres@127.0.0.1:$PGPORT/$1"
    else
        url="sqlite+aiosqlite:///$WORK/$1.db"
    fi
    (cd "$2" && DATABASE_URL="$url" "$3" -m app migrate >/dev/null)
    echo "$url"
}

# --- domain events ----------------------------------------------------------------------------
run_events() {
    echo "== bench/events.py, $DRIVER, no Redis: relay -> local subscribers"
    local url
    url=$(fresh_database bench_events "$PROJECT" "$PY")
    (cd "$PROJECT" && DATABASE_URL="$url" "$PY" "$BENCH_DIR/events.py" --events "$EVENTS" --registration)

    echo "== bake $DRIVER variant with use_redis=true into $WORK/redis"
    bake true "$WORK/redis"
    local redis_port
    redis_port=$(free_port)
    mkdir -p "$WORK/redis/data"
    # As the compose service keeps it: an append-only file, synced once a second.
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$WORK/redis/data" --save "" \
        --appendonly yes --appendfsync everysec >"$WORK/redis/server.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 50); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    echo "== bench/events.py, $DRIVER, Redis $(redis-server --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$redis_port"
    url=$(fresh_database bench_events_redis "$WORK/redis/my_service" "$WORK/redis/venv/bin/python")
    (cd "$WORK/redis/my_service" && DATABASE_URL="$url" REDIS_URL="redis://127.0.0.1:$redis_port/0" \
        "$WORK/redis/venv/bin/python" "$BENCH_DIR/events.py" --events "$EVENTS")
}

if [ "$PARTS" = events ]; then
    run_events
    exit 0
fi
(cd "$PROJECT" && "$PY" -m app migrate)

# --- server -----------------------------------------------------------------------------------
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"

start_server() { # $1 = LOG_LEVEL, $2 = stdout file
    (cd "$PROJECT" && LOG_LEVEL="$1" exec "$VENV/bin/uvicorn" app.main:app --host 127.0.0.1 --port "$PORT" \
        --workers 1 --loop uvloop --http httptools --no-access-log --log-level warning \
        >"$2" 2>"$WORK/server.err") &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if curl -fs "$BASE/health" >/dev/null 2>&1; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$WORK/server.err" >&2
    exit 1
}

start_server WARNING "$WORK/server.out"
EMAIL="bench-$RANDOM@example.com"
PASSWORD="bench-password-$RANDOM"
export BENCH_BASE="$BASE" BENCH_EMAIL="$EMAIL" BENCH_PASSWORD="$PASSWORD"
read -r USER_ID TOKEN < <("$PY" - <<'EOF'
import os, httpx
base, email, password = os.environ["BENCH_BASE"], os.environ["BENCH_EMAIL"], os.environ["BENCH_PASSWORD"]
with httpx.Client(base_url=base, timeout=30) as client:
    user = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    user.raise_for_status()
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    token = login.json()["access_token"]
    check = client.get(f"/api/v1/users/{user.json()['id']}", headers={"Authorization": f"Bearer {token}"})
    check.raise_for_status()
    print(user.json()["id"], token)
EOF
)

LUA="$WORK/auth.lua"
cat >"$LUA" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF

declare -A RPS P50 P99 ERRS
run_wrk() { # $1 = label, $2 = path, [$3 = lua script]
    local label=$1 path=$2 script=${3:-} out
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" --latency)
    [ -n "$script" ] && args+=(-s "$script")
    wrk "${args[@]}" -d2s "$BASE$path" >/dev/null # warm-up
    out=$(wrk "${args[@]}" -d"$WRK_DURATION" "$BASE$path")
    echo "--- $label: GET $path"
    echo "$out" | grep -E 'Requests/sec|Latency|^ +(50|75|90|99)%|requests in|Non-2xx|Socket errors' | sed 's/^/    /'
    RPS[$label]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    P50[$label]=$(echo "$out" | awk '$1 == "50%" {print $2}')
    P99[$label]=$(echo "$out" | awk '$1 == "99%" {print $2}')
    ERRS[$label]=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    ERRS[$label]=${ERRS[$label]:-0}
}

echo "== wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION, one uvicorn worker, uvloop+httptools, LOG_LEVEL=WARNING"
run_wrk health /health
run_wrk users "/api/v1/users/$USER_ID" "$LUA"

echo "== login burst (BCRYPT_ROUNDS=$BCRYPT_ROUNDS)"
"$PY" "$BENCH_DIR/login_burst.py" --base-url "$BASE" --email "$EMAIL" --password "$PASSWORD"

stop_server
echo "== same wrk runs with the JSON access log on (LOG_LEVEL=INFO, stdout to a file)"
start_server INFO "$WORK/access.log"
run_wrk health_log /health
run_wrk users_log "/api/v1/users/$USER_ID" "$LUA"
stop_server
echo "    access log lines written: $(wc -l <"$WORK/access.log")"

echo
echo "== summary ($DRIVER, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '    %-34s %10s %9s %9s %8s\n' "run" "req/s" "p50" "p99" "non-2xx"
for key in health users health_log users_log; do
    case $key in
    health) name="GET /health (no access log)" ;;
    users) name="GET /users/{id} (no access log)" ;;
    health_log) name="GET /health (access log INFO)" ;;
    users_log) name="GET /users/{id} (access log INFO)" ;;
    esac
    printf '    %-34s %10s %9s %9s %8s\n' "$name" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${ERRS[$key]}"
done
"$PY" -c "import sys; h, u = map(float, sys.argv[1:]); print(f'    /health : /users/{{id}} throughput ratio = {h / u:.2f}x')" \
    "${RPS[health]}" "${RPS[users]}"

if [ "$PARTS" = all ]; then
    echo
    run_events
fi
