#!/usr/bin/env bash
# Throughput/latency benchmark of a freshly baked service on ONE uvicorn worker against its
# floor, and of its domain events.
#
#   bash bench/run.sh [sqlite|postgresql] [all|http|events]      (default: sqlite all)
#
# Bakes the template into a temp dir, installs it into its own uv venv, (postgresql: starts a
# throwaway cluster on a free loopback port), migrates, then (http) starts the service and the
# floor (bench/floor_app.py: the same two endpoints in one file, same database, same SQL, same
# JWT check), both up at once with the same uvicorn flags, registers + logs in a user, checks
# that the floor reads back the same record, and measures side by side:
#   1. wrk -t2 -c32 -d10s GET /health and the authenticated GET /api/v1/users/{id} (the caller's
#      own record) on the service (LOG_LEVEL=WARNING) and on the floor, alternating, ROUNDS
#      rounds; the median req/s and p99 of each, and the ratio service / floor
#   2. bench/login_burst.py: logins/s of a burst of cost-12 logins and the /health p99 during it,
#      against the ceiling cores / (one cost-12 bcrypt.checkpw on one thread)
#   3. step 1 again with the service's JSON access log on (LOG_LEVEL=INFO, stdout to a file)
#   4. step 1 again with Prometheus metrics on (METRICS_PORT), then with tracing on too (OTLP to
#      bench/otlp_sink.py, a collector that keeps nothing), each against the same floor; and
#      what each costs the service: its req/s in that phase / its req/s in step 1
# then a summary table; and (events) bench/events.py on a fresh database: events/s through
# outbox -> relay -> subscribers, the outbox's cost on the registration path, then the same
# throughput in a use_redis=true bake against a throwaway redis-server (outbox -> stream ->
# consumer). Every figure carries the 1-minute load average. It prints numbers (and targets, as
# text) only; it never asserts timings. A wrk run with non-2xx answers or socket errors is
# reported loudly, and makes the script exit 1 at the end. Environment knobs: ROUNDS (3),
# WRK_DURATION (10s), WRK_WARMUP (2s), WRK_THREADS (2), WRK_CONNECTIONS (32), LOGINS (40),
# LOGIN_CLIENTS (8), APP_NAME ("My Service"), EVENTS (3000), BENCH_KEEP=1 keeps the temp dir.
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
WRK_WARMUP=${WRK_WARMUP:-2s}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
LOGINS=${LOGINS:-40}
LOGIN_CLIENTS=${LOGIN_CLIENTS:-8}
EVENTS=${EVENTS:-3000}

WORK=$(mktemp -d /tmp/bench.XXXXXX)
PGDIR=""
PGBIN=""
SERVICE_PID=""
FLOOR_PID=""
SINK_PID=""
REDIS_PID=""

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

stop_pid() { # $1 = a process this script started
    if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
        kill "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}

cleanup() {
    stop_pid "$SERVICE_PID"
    stop_pid "$FLOOR_PID"
    stop_pid "$SINK_PID"
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
# uv from PATH, else the template's bootstrap venv (as the Makefile does), else pip-installed.
if ! command -v uv >/dev/null && [ -x "$TEMPLATE/.venv-bootstrap/bin/uv" ]; then
    PATH="$TEMPLATE/.venv-bootstrap/bin:$PATH"
fi
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
    PGBIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
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

# The floor reads the same DATABASE_URL, JWT_SECRET_KEY and APP_NAME (the JWT issuer).
export APP_ENV=local DATABASE_URL
export APP_NAME=${APP_NAME:-My Service}
export JWT_SECRET_KEY
JWT_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
export BCRYPT_ROUNDS=12 LOGIN_RATE_LIMIT_PER_MINUTE=0
# The login throttle counts each admitted attempt as a failure until its hash is verified, so a
# burst of concurrent logins to one account from one address would meet its limits (429).
export LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS=0 LOGIN_FAILURES_PER_ACCOUNT=0
# One token serves every run, however many ROUNDS: it must not expire halfway.
export ACCESS_TOKEN_EXPIRE_MINUTES=1440

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

# --- servers: the service and the floor, both up at once ---------------------------------------
PORT=$(free_port)
FLOOR_PORT=$(free_port)
while [ "$FLOOR_PORT" = "$PORT" ]; do FLOOR_PORT=$(free_port); done
SERVICE_BASE="http://127.0.0.1:$PORT"
FLOOR_BASE="http://127.0.0.1:$FLOOR_PORT"
# The same flags for both: one worker, uvloop + httptools, no uvicorn access log.
UVICORN_FLAGS=(--host 127.0.0.1 --workers 1 --loop uvloop --http httptools --no-access-log --log-level warning)

wait_up() { # $1 = base URL, $2 = pid, $3 = its stderr file, $4 = name
    for _ in $(seq 1 100); do
        if curl -fs "$1/health" >/dev/null 2>&1; then return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "$4 did not start:" >&2
    cat "$3" >&2
    exit 1
}

start_service() { # $1 = LOG_LEVEL, $2 = stdout file, then any NAME=value for its environment
    local level=$1 out=$2
    shift 2
    (cd "$PROJECT" && exec env LOG_LEVEL="$level" LOG_FORMAT=json "$@" "$VENV/bin/uvicorn" app.main:app \
        "${UVICORN_FLAGS[@]}" --port "$PORT" >"$out" 2>"$WORK/service.err") &
    SERVICE_PID=$!
    wait_up "$SERVICE_BASE" "$SERVICE_PID" "$WORK/service.err" service
}

start_floor() {
    (cd "$WORK" && FLOOR_SQL_DIR="$PROJECT/app/infrastructure/sql" exec "$VENV/bin/uvicorn" floor_app:app \
        --app-dir "$BENCH_DIR" "${UVICORN_FLAGS[@]}" --port "$FLOOR_PORT" >"$WORK/floor.out" 2>"$WORK/floor.err") &
    FLOOR_PID=$!
    wait_up "$FLOOR_BASE" "$FLOOR_PID" "$WORK/floor.err" floor
}

start_service WARNING "$WORK/service.out"
start_floor
echo "== service on $SERVICE_BASE (pid $SERVICE_PID), floor on $FLOOR_BASE (pid $FLOOR_PID)"

EMAIL="bench-$RANDOM@example.com"
PASSWORD="bench-password-$RANDOM"
export BENCH_BASE="$SERVICE_BASE" BENCH_EMAIL="$EMAIL" BENCH_PASSWORD="$PASSWORD"
read -r USER_ID TOKEN < <("$PY" - <<'EOF'
import os, httpx
base, email, password = os.environ["BENCH_BASE"], os.environ["BENCH_EMAIL"], os.environ["BENCH_PASSWORD"]
with httpx.Client(base_url=base, timeout=30) as client:
    user = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    user.raise_for_status()
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    print(user.json()["id"], login.json()["access_token"])
EOF
)

# The floor's own check: with the same token, it reads back the record the service reads.
read_user() { # $1 = base URL; prints "id email"
    curl -fsS -H "Authorization: Bearer $TOKEN" "$1/api/v1/users/$USER_ID" |
        "$PY" -c 'import json, sys; body = json.load(sys.stdin); print(body["id"], body["email"])'
}
SERVICE_READ=$(read_user "$SERVICE_BASE")
FLOOR_READ=$(read_user "$FLOOR_BASE")
if [ "$SERVICE_READ" != "$FLOOR_READ" ] || [ "$SERVICE_READ" != "$USER_ID $EMAIL" ]; then
    echo "!!! the floor and the service disagree on GET /api/v1/users/$USER_ID:" >&2
    echo "    service: $SERVICE_READ" >&2
    echo "    floor:   $FLOOR_READ" >&2
    exit 1
fi
echo "== floor check: GET /api/v1/users/{id} with the token gives the same id and email on both ($FLOOR_READ)"

LUA="$WORK/auth.lua"
cat >"$LUA" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF

# --- wrk runs ---------------------------------------------------------------------------------
# Per "<phase> <target> <server>" (phase: plain | log; target: health | read; server: service |
# floor), the space-separated figures of each round: req/s, p99 in ms, the 1-minute load.
declare -A RPS P99 LOAD
PROBLEMS=()

load1() { cut -d' ' -f1 /proc/loadavg; }

to_ms() { # a wrk duration (850.00us, 12.34ms, 1.02s, 1.00m) in ms
    awk -v v="$1" 'BEGIN {
        unit = v; sub(/^[0-9.]+/, "", unit)
        f = unit == "us" ? 0.001 : unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : -1
        if (f < 0) { print "wrk duration without a known unit: " v > "/dev/stderr"; exit 1 }
        printf "%.3f", (v + 0) * f
    }'
}

median() { # space-separated numbers
    tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

spread() { # space-separated numbers -> "min-max" (or the one value)
    tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi) ? lo : lo "-" hi }'
}

run_wrk() { # $1 = phase, $2 = target, $3 = server, $4 = round
    local base path out rps p50 p99 requests non2xx sockerr load
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" --latency)
    if [ "$3" = service ]; then base=$SERVICE_BASE; else base=$FLOOR_BASE; fi
    if [ "$2" = health ]; then
        path=/health
    else
        path="/api/v1/users/$USER_ID"
        args+=(-s "$LUA")
    fi
    wrk "${args[@]}" -d"$WRK_WARMUP" "$base$path" >/dev/null
    out=$(wrk "${args[@]}" -d"$WRK_DURATION" "$base$path")
    load=$(load1)
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
    sockerr=$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
    non2xx=${non2xx:-0}
    sockerr=${sockerr:-0}
    printf '    %s round %d/%d  %-6s %-7s %9.1f req/s  p50 %9s  p99 %9s  %8s requests  non-2xx %s  socket errors %s  load %s\n' \
        "$1" "$4" "$ROUNDS" "$2" "$3" "$rps" "$p50" "$p99" "$requests" "$non2xx" "$sockerr" "$load"
    if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
        local problem="$1 round $4 $2 $3 (GET $path): $non2xx non-2xx responses, $sockerr socket errors"
        PROBLEMS+=("$problem")
        echo "!!!!!! $problem: this run's figures are not a measurement of the happy path"
        awk '{ print "!!!!!!     " $0 }' <<<"$out"
    fi
    local key="$1 $2 $3"
    RPS[$key]="${RPS[$key]:-} $rps"
    P99[$key]="${P99[$key]:-} $(to_ms "$p99")"
    LOAD[$key]="${LOAD[$key]:-} $load"
}

# Service and floor alternate, run by run; who goes first swaps every round.
measure() { # $1 = phase
    local round target server order
    for round in $(seq 1 "$ROUNDS"); do
        for target in health read; do
            if [ $((round % 2)) -eq 1 ]; then order="service floor"; else order="floor service"; fi
            for server in $order; do run_wrk "$1" "$target" "$server" "$round"; done
        done
    done
}

# One line of comparison: "<name> <service req/s> <service p99> <floor req/s> <floor p99> <ratio>
# <load> <targets>", figures the medians of the rounds.
compare() { # $1 = phase, $2 = target, $3 = row name, $4 = printf format
    local srps sp99 frps fp99 loads
    srps=$(median "${RPS[$1 $2 service]}")
    sp99=$(median "${P99[$1 $2 service]}")
    frps=$(median "${RPS[$1 $2 floor]}")
    fp99=$(median "${P99[$1 $2 floor]}")
    loads=$(spread "${LOAD[$1 $2 service]} ${LOAD[$1 $2 floor]}")
    awk -v name="$3" -v target="$2" -v fmt="$4" -v srps="$srps" -v sp99="$sp99" -v frps="$frps" \
        -v fp99="$fp99" -v loads="$loads" -v phase="$1" 'BEGIN {
        ratio = srps / frps
        if (target == "read" && phase != "plain") {
            goals = "no target: the read is held to its targets with the access log, metrics and tracing off"
        } else if (phase == "metrics" || phase == "traced") {
            goals = "no target: what metrics and tracing cost is the overhead below"
        } else if (target == "health") {
            goals = sprintf("target req/s >= 0.80x floor: %s", ratio >= 0.8 ? "met" : "missed")
        } else {
            goals = sprintf("target req/s >= 1.20x floor: %s; p99 <= floor p99: %s",
                ratio >= 1.2 ? "met" : "missed", sp99 <= fp99 ? "met" : "missed")
        }
        printf fmt, name, srps, sprintf("%.2f ms", sp99), frps, sprintf("%.2f ms", fp99), sprintf("%.2fx", ratio), loads, goals
    }'
}

ROW_FORMAT='    %-20s %13.0f %12s %11.0f %10s %11s %11s  %s\n'
header() {
    printf '    %-20s %13s %12s %11s %10s %11s %11s  %s\n' "" "service req/s" "service p99" "floor req/s" \
        "floor p99" "ratio req/s" "load" "(targets: text, never asserted)"
}

echo "== wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION (after a $WRK_WARMUP warm-up each), $ROUNDS rounds," \
    "service (LOG_LEVEL=WARNING) and floor alternating; one uvicorn worker each, uvloop + httptools, no access log"
measure plain
echo "--- median of $ROUNDS rounds, service (LOG_LEVEL=WARNING) / floor"
header
compare plain health health "$ROW_FORMAT"
compare plain read read "$ROW_FORMAT"

# --- login burst ------------------------------------------------------------------------------
echo "== login burst against the service: $LOGINS logins (BCRYPT_ROUNDS=$BCRYPT_ROUNDS) from $LOGIN_CLIENTS clients," \
    "the floor idle; the ceiling measured in process"
"$PY" "$BENCH_DIR/login_burst.py" --base-url "$SERVICE_BASE" --email "$EMAIL" --password "$PASSWORD" \
    --logins "$LOGINS" --concurrency "$LOGIN_CLIENTS" --bcrypt-rounds "$BCRYPT_ROUNDS" \
    --result-file "$WORK/login.result"
declare -A LOGIN
while read -r key value; do LOGIN[$key]=$value; done <"$WORK/login.result"
if [ "${LOGIN[ok]}" != "${LOGIN[logins]}" ]; then
    PROBLEMS+=("login burst: only ${LOGIN[ok]} of ${LOGIN[logins]} logins answered 200")
    echo "!!!!!! login burst: only ${LOGIN[ok]} of ${LOGIN[logins]} logins answered 200"
fi
login_line() {
    awk -v lps="${LOGIN[logins_per_s]}" -v n="${LOGIN[logins]}" -v c="${LOGIN[concurrency]}" \
        -v rounds="$BCRYPT_ROUNDS" -v cores="${LOGIN[cores]}" -v sph="${LOGIN[seconds_per_hash]}" \
        -v ceil="${LOGIN[ceiling_per_s]}" -v ratio="${LOGIN[ratio]}" -v p99="${LOGIN[health_p99_burst_ms]}" \
        -v idle="${LOGIN[health_p99_idle_ms]}" -v load="${LOGIN[load]}" 'BEGIN {
        printf "    logins: %.2f logins/s (%d cost-%d logins, %d clients); ceiling %d cores given / %.3f s per hash = %.2f logins/s; measured / ceiling = %.2f; load %s\n",
            lps, n, rounds, c, cores, sph, ceil, ratio, load
        printf "    /health p99 during the burst: %.2f ms (idle %.2f ms)  target < 20 ms: %s\n",
            p99, idle, p99 < 20 ? "met" : "missed"
    }'
}

# --- the same runs with the service's JSON access log on ----------------------------------------
stop_pid "$SERVICE_PID"
echo "== the same wrk runs with the service's JSON access log on (LOG_LEVEL=INFO, stdout to a file), against the same floor"
start_service INFO "$WORK/access.log"
measure log
stop_pid "$SERVICE_PID"
if head -1 "$WORK/access.log" | "$PY" -c 'import json, sys; json.loads(sys.stdin.readline())' 2>/dev/null; then
    log_kind="JSON lines"
else
    log_kind="NOT JSON: $(head -c 200 "$WORK/access.log")"
fi
echo "    access log lines written: $(wc -l <"$WORK/access.log") ($log_kind)"
echo "--- median of $ROUNDS rounds, service (LOG_LEVEL=INFO, access log) / floor"
header
compare log health "health (access log)" "$ROW_FORMAT"
compare log read "read (access log)" "$ROW_FORMAT"

# --- metrics, then tracing too ----------------------------------------------------------------
# uvicorn itself, as in every phase: the middleware, the bus observer and the gauges' sampler
# run (they measure); only `python -m app serve` would also serve METRICS_PORT.
METRICS_PORT=$(free_port)
echo "== the same wrk runs with Prometheus metrics on (METRICS_PORT=$METRICS_PORT), against the same floor"
start_service WARNING "$WORK/service.out" METRICS_PORT="$METRICS_PORT"
measure metrics
stop_pid "$SERVICE_PID"
SINK_PORT=$(free_port)
"$PY" "$BENCH_DIR/otlp_sink.py" --port "$SINK_PORT" >"$WORK/sink.out" 2>&1 &
SINK_PID=$!
echo "== the same wrk runs with metrics and tracing on (OTLP over HTTP to a sink on 127.0.0.1:$SINK_PORT, batch processor, every request sampled)"
start_service WARNING "$WORK/service.out" METRICS_PORT="$METRICS_PORT" \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT" OTEL_SERVICE_NAME=bench
measure traced
stop_pid "$SERVICE_PID"
stop_pid "$FLOOR_PID"
stop_pid "$SINK_PID"
echo "    $(cat "$WORK/sink.out")"
if ! grep -q "otlp sink: [1-9]" "$WORK/sink.out"; then
    PROBLEMS+=("traced phase: no span reached the OTLP sink, so tracing was not on")
fi
echo "--- median of $ROUNDS rounds, service (metrics; metrics and tracing) / floor"
header
compare metrics health "health (metrics)" "$ROW_FORMAT"
compare metrics read "read (metrics)" "$ROW_FORMAT"
compare traced health "health (+tracing)" "$ROW_FORMAT"
compare traced read "read (+tracing)" "$ROW_FORMAT"

overhead() { # $1 = target, $2 = row name: the service's req/s per phase, and against step 1
    local plain metrics traced
    plain=$(median "${RPS[plain $1 service]}")
    metrics=$(median "${RPS[metrics $1 service]}")
    traced=$(median "${RPS[traced $1 service]}")
    awk -v name="$2" -v p="$plain" -v m="$metrics" -v t="$traced" 'BEGIN {
        printf "    %-20s all off %8.0f req/s   metrics %8.0f (%.3fx, %+.1f%%)   metrics + tracing %8.0f (%.3fx, %+.1f%%)\n",
            name, p, m, m / p, (m / p - 1) * 100, t, t / p, (t / p - 1) * 100
    }'
}

# --- summary ----------------------------------------------------------------------------------
echo
echo "== summary: $DRIVER, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$WRK_THREADS -c$WRK_CONNECTIONS" \
    "-d$WRK_DURATION, median of $ROUNDS rounds; load = the 1-minute load average at the end of each run (min-max)"
header
compare plain health health "$ROW_FORMAT"
compare plain read read "$ROW_FORMAT"
compare log health "health (access log)" "$ROW_FORMAT"
compare log read "read (access log)" "$ROW_FORMAT"
compare metrics health "health (metrics)" "$ROW_FORMAT"
compare metrics read "read (metrics)" "$ROW_FORMAT"
compare traced health "health (+tracing)" "$ROW_FORMAT"
compare traced read "read (+tracing)" "$ROW_FORMAT"
echo "    what metrics and tracing cost the service (its median req/s with them / with everything off):"
overhead health health
overhead read read
login_line
if [ ${#PROBLEMS[@]} -gt 0 ]; then
    echo "!!!!!! ${#PROBLEMS[@]} run(s) had errors; their figures are not to be trusted:"
    printf '!!!!!!     %s\n' "${PROBLEMS[@]}"
else
    echo "    every wrk run: 0 non-2xx responses, 0 socket errors; every login answered 200"
fi

if [ "$PARTS" = all ]; then
    echo
    run_events
fi
if [ ${#PROBLEMS[@]} -gt 0 ]; then
    echo "bench/run.sh $DRIVER $PARTS: ${#PROBLEMS[@]} run(s) with errors (see the !!!!!! lines above)" >&2
    exit 1
fi
