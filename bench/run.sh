#!/usr/bin/env bash
# Benchmark of the accept path and the worker, in one run, on loopback. See docs/benchmark.md.
#
# Needs: a JDK 17+ (Java 25 preferred: JAVA_HOME, else /usr/lib/jvm/temurin-25*, else `java`), wrk, redis-cli,
# redis-benchmark, psql, curl, and a Redis and PostgreSQL reachable as below. Installs nothing.
# Creates a fresh database and Redis key prefix for the run and removes both at the end (never FLUSHALL).
#
# Sizes and settings (environment, defaults in brackets):
#   BENCH_REDIS_HOST/PORT [127.0.0.1/6379]   BENCH_PG_HOST/PORT/USER [127.0.0.1/5432/postgres]
#   BENCH_PRODUCER_PORT [18080]  BENCH_CONSUMER_PORT [18081]  BENCH_SHARDS [16]
#   BENCH_WRK_THREADS [2]  BENCH_WRK_CONNECTIONS [64]  BENCH_WRK_SECONDS [10]  BENCH_WARMUP_SECONDS [30]
#   BENCH_REDIS_REQUESTS [500000]  BENCH_REDIS_CLIENTS [50]  BENCH_REDIS_PIPELINE [16]
#   BENCH_BACKLOG [100000]  BENCH_HOT_CAPACITY [500]
#   BENCH_HALF_RATE_SECONDS [10]  BENCH_LOW_RATE [1000] (d2: open loop at a rate the load generator sustains here)
#   BENCH_E2E_REQUESTS [20000]  BENCH_E2E_USERS [15000]  BENCH_E2E_MALFORMED [200]  BENCH_E2E_CONCURRENCY [200]
#   BENCH_SERVICE_JAVA_OPTS [-Xmx192m -XX:+UseSerialGC -XX:CICompilerCount=4 -XX:+ExitOnOutOfMemoryError]
#     MALLOC_ARENA_MAX [2] (as scripts/run-pair.sh starts the services)   BENCH_LOADGEN_JAVA_OPTS [-Xmx1g]
#   BENCH_PRODUCER_JAVA_OPTS [] BENCH_CONSUMER_JAVA_OPTS [] (added for that service only, e.g. -XX:+UseZGC or a
#     profiler agent: see docs/benchmark.md)
#   BENCH_COLD_WORKER=1 ((e) with a new consumer JVM instead of the warm one, frozen while the backlog builds)
#   BENCH_PROFILE=1 (top -H of the producer during (c) and of the consumer during (e), into the logs)
#   BENCH_SKIP_BUILD=1 (use the jars as built)  BENCH_MAVEN_ARGS (e.g. -o for an offline build)
#     BENCH_JFR=1 (record the producer under wrk in (c))
#   BENCH_WAIT_SECONDS [300] (longest wait for any drain or start-up)
#   BENCH_CPU_ROUNDS [5]  BENCH_CPU_SECONDS [5] (h: CPU per request, the two endpoints alternately)
#   BENCH_CPU_ONLY=1 (stop after (h): about a minute, for comparing builds)
#   Cold start (k), first, before the main producer starts; new JVMs in databases and key prefixes of their own:
#   BENCH_COLD_ONLY=1 (run only (k), writes bench/results/latest-cold.md: 4-7 min with the defaults)
#   BENCH_COLD=0 (leave (k) out of a full run)   BENCH_COLD_AOT=0 (no AOT-cache variant: skips the training runs)
#   BENCH_COLD_WINDOW_SECONDS [5] (the two wrk windows right after readiness)   BENCH_COLD_BACKLOG [50000] (jobs a
#     new consumer JVM finds queued)   AOT_LOAD_SECONDS [10] (wrk during the AOT cache's training run, see
#     scripts/aot-cache.sh, whose other AOT_* variables pass through too)
#   (k) producer, once as a plain JVM and once (Java 25+ only) with the AOT cache that scripts/aot-cache.sh makes
#   for this run's jar: process start to readiness (which waits for the service's own warm-up); at once wrk (as
#   (c)) for two back-to-back windows, accepted/s in the first window and over both; after BENCH_WARMUP_SECONDS of
#   wrk the same process's steady state (BENCH_WRK_SECONDS), with the bytes it allocates per accepted request
#   (Actuator's jvm_gc_memory_allocated_bytes_total between two forced GCs, jcmd GC.run) and its peak RSS (VmHWM);
#   then a new consumer JVM (plain / with its cache) on a backlog of BENCH_COLD_BACKLOG jobs for one event of
#   BENCH_HOT_CAPACITY seats: start to readiness, to the first decision, to the empty queue, decisions/s.
set -euo pipefail
# The whole script is one block: bash parses it completely before running it, so editing this file during a run
# cannot change the running one.
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REDIS_HOST="${BENCH_REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${BENCH_REDIS_PORT:-6379}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PRODUCER_PORT="${BENCH_PRODUCER_PORT:-18080}"
CONSUMER_PORT="${BENCH_CONSUMER_PORT:-18081}"
SHARDS="${BENCH_SHARDS:-16}"
WRK_THREADS="${BENCH_WRK_THREADS:-2}"
WRK_CONNECTIONS="${BENCH_WRK_CONNECTIONS:-64}"
WRK_SECONDS="${BENCH_WRK_SECONDS:-10}"
WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-30}"
REDIS_REQUESTS="${BENCH_REDIS_REQUESTS:-500000}"
REDIS_CLIENTS="${BENCH_REDIS_CLIENTS:-50}"
REDIS_PIPELINE="${BENCH_REDIS_PIPELINE:-16}"
BACKLOG="${BENCH_BACKLOG:-100000}"
HOT_CAPACITY="${BENCH_HOT_CAPACITY:-500}"
HALF_RATE_SECONDS="${BENCH_HALF_RATE_SECONDS:-10}"
LOW_RATE="${BENCH_LOW_RATE:-1000}"
E2E_REQUESTS="${BENCH_E2E_REQUESTS:-20000}"
E2E_USERS="${BENCH_E2E_USERS:-15000}"
E2E_MALFORMED="${BENCH_E2E_MALFORMED:-200}"
E2E_CONCURRENCY="${BENCH_E2E_CONCURRENCY:-200}"
SERVICE_JAVA_OPTS="${BENCH_SERVICE_JAVA_OPTS:--Xmx192m -XX:+UseSerialGC -XX:CICompilerCount=4 -XX:+ExitOnOutOfMemoryError}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
LOADGEN_JAVA_OPTS="${BENCH_LOADGEN_JAVA_OPTS:--Xmx1g}"
PRODUCER_JAVA_OPTS="${BENCH_PRODUCER_JAVA_OPTS:-}"
CONSUMER_JAVA_OPTS="${BENCH_CONSUMER_JAVA_OPTS:-}"
WAIT_SECONDS="${BENCH_WAIT_SECONDS:-300}"
CPU_ROUNDS="${BENCH_CPU_ROUNDS:-5}"
CPU_SECONDS="${BENCH_CPU_SECONDS:-5}"
COLD_WINDOW="${BENCH_COLD_WINDOW_SECONDS:-5}"
COLD_BACKLOG="${BENCH_COLD_BACKLOG:-50000}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- what is missing ------------------------------------------------------------------------------------------
if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
elif compgen -G "/usr/lib/jvm/temurin-25*/bin/java" > /dev/null; then
    JAVA="$(compgen -G "/usr/lib/jvm/temurin-25*/bin/java" | head -n 1)"
else
    JAVA="$(command -v java || true)"
fi
missing=()
[[ -x "$JAVA" ]] || missing+=("a JDK 17+ (set JAVA_HOME)")
for tool in wrk redis-cli redis-benchmark psql curl awk; do
    command -v "$tool" > /dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    die "missing: ${missing[*]} (Debian: apt-get install wrk redis-tools postgresql-client curl)"
fi
redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }
pg() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -qtAX "$@"; }
redis ping > /dev/null 2>&1 || die "no Redis at $REDIS_HOST:$REDIS_PORT"
pg -d postgres -c 'select 1' > /dev/null 2>&1 || die "no PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
for port in "$PRODUCER_PORT" "$CONSUMER_PORT"; do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
        die "port $port is in use (set BENCH_PRODUCER_PORT / BENCH_CONSUMER_PORT)"
    fi
done

RUN_ID="$(date +%Y%m%d%H%M%S)-$$"
DB="bench_${RUN_ID//-/_}"
PREFIX="bench-$RUN_ID"
# The producer's admin token (POST /events needs it): new for every run.
ADMIN_TOKEN="bench-admin-$RUN_ID-$RANDOM$RANDOM"
WORK="$ROOT/bench/work/$RUN_ID"
mkdir -p "$WORK" "$ROOT/bench/results"
PRODUCER_URL="http://127.0.0.1:$PRODUCER_PORT"
JDBC_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB"
log "run $RUN_ID: database $DB, key prefix $PREFIX, logs in $WORK, java $JAVA"

# ---- clean-up, whatever happens -------------------------------------------------------------------------------
PRODUCER_PID=""
CONSUMER_PID=""
SAMPLER_PID=""
COLD_P=""   # (k): the new producer and consumer JVMs, and their databases
COLD_C=""
COLD_DBS=()
stop_pid() {
    local pid="$1"
    [[ -n "$pid" ]] && kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2> /dev/null || true
}
delete_keys() {
    local pattern="$1"
    # SCAN, never KEYS or FLUSHALL: other users share this Redis.
    redis --scan --pattern "$pattern" | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" unlink > /dev/null
}
cleanup() {
    set +e
    stop_pid "$SAMPLER_PID"
    [[ -n "$CONSUMER_PID" ]] && kill -CONT "$CONSUMER_PID" 2> /dev/null   # if frozen in (e)
    stop_pid "$CONSUMER_PID"
    stop_pid "$PRODUCER_PID"
    stop_pid "$COLD_C"
    stop_pid "$COLD_P"
    delete_keys "$PREFIX:*"
    delete_keys "$PREFIX-cold-*"
    pg -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" > /dev/null 2>&1
    for db in "${COLD_DBS[@]}"; do
        pg -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" > /dev/null 2>&1
    done
    rm -f "$WORK"/*.jar
    rm -rf "$WORK"/aot-producer-service "$WORK"/aot-consumer-service   # extracted jars and caches, ~300 MB
    log "removed database $DB and keys $PREFIX:*"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build --------------------------------------------------------------------------------------------------
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    log "building the jars (tests skipped)"
    ./mvnw -B -q ${BENCH_MAVEN_ARGS:-} -pl producer-service,consumer-service,load-generator -am -DskipTests package > "$WORK/build.log" 2>&1 \
        || die "build failed, see $WORK/build.log"
fi
for jar in producer-service/target/producer-service.jar consumer-service/target/consumer-service.jar \
    load-generator/target/load-generator.jar; do
    [[ -f "$jar" ]] || die "$jar missing (run without BENCH_SKIP_BUILD)"
    cp "$jar" "$WORK/"   # a private copy: a rebuild during the run cannot change what runs
done

pg -d postgres -c "CREATE DATABASE \"$DB\"" > /dev/null

# ---- services -----------------------------------------------------------------------------------------------
service_env=(SPRING_DATASOURCE_URL="$JDBC_URL" SPRING_DATASOURCE_USERNAME="$PG_USER"
    SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT"
    RESERVATION_QUEUE_KEY_PREFIX="$PREFIX" RESERVATION_QUEUE_SHARDS="$SHARDS")
start_producer() {
    # A queue bound above the backlog of (e): this run measures throughput, not backpressure.
    env "${service_env[@]}" SERVER_PORT="$PRODUCER_PORT" RESERVATION_BENCH_NOOP_ENDPOINT=true \
        RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" \
        RESERVATION_API_MAX_QUEUE_DEPTH=10000000 \
        "$JAVA" $SERVICE_JAVA_OPTS $PRODUCER_JAVA_OPTS -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK" \
        -jar "$WORK/producer-service.jar" \
        >> "$WORK/producer.log" 2>&1 &
    PRODUCER_PID=$!
    echo "$PRODUCER_PID" > "$WORK/producer.pid"
}
start_consumer() {
    env "${service_env[@]}" SERVER_PORT="$CONSUMER_PORT" \
        "$JAVA" $SERVICE_JAVA_OPTS $CONSUMER_JAVA_OPTS -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK" \
        -jar "$WORK/consumer-service.jar" >> "$WORK/consumer.log" 2>&1 &
    CONSUMER_PID=$!
    echo "$CONSUMER_PID" > "$WORK/consumer.pid"
}
await_healthy() {
    local name="$1" port="$2" pid="$3"
    for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
        kill -0 "$pid" 2> /dev/null || die "$name exited during start-up, see $WORK/$name.log"
        if curl -fs --max-time 1 "http://127.0.0.1:$port/actuator/health" 2> /dev/null | grep -q '"UP"'; then
            return 0
        fi
        sleep 0.2
    done
    die "$name not healthy after $WAIT_SECONDS s"
}

# RSS of both services every half second; the maximum is kept per process name.
sample_rss() {
    local max_p=0 max_c=0 rss pid
    while true; do
        pid="$(cat "$WORK/producer.pid" 2> /dev/null || true)"
        rss="$( [[ -n "$pid" ]] && ps -o rss= -p "$pid" 2> /dev/null | tr -d ' ' || true)"
        [[ -n "$rss" ]] && ((rss > max_p)) && max_p=$rss && echo "$max_p" > "$WORK/rss-producer.kb"
        pid="$(cat "$WORK/consumer.pid" 2> /dev/null || true)"
        rss="$( [[ -n "$pid" ]] && ps -o rss= -p "$pid" 2> /dev/null | tr -d ' ' || true)"
        [[ -n "$rss" ]] && ((rss > max_c)) && max_c=$rss && echo "$max_c" > "$WORK/rss-consumer.kb"
        sleep 0.5
    done
}

alive() { # name pid: stop the run if the service died (an OOM leaves a heap dump in $WORK)
    kill -0 "$2" 2> /dev/null || die "$1 (pid $2) is no longer running: $(tail -n 3 "$WORK/$1.log" | tr '\n' ' ')"
}
profile_top() { # tag pid: with BENCH_PROFILE=1, per-thread CPU of that process over 4 s, in the background
    [[ "${BENCH_PROFILE:-0}" == 1 ]] || return 0
    (sleep 1; top -H -b -w 200 -d 4 -n 2 -p "$2" > "$WORK/top-threads-$1.txt" 2>&1) &
}
# The machine may be shared: per-process CPU over 4 s of each measured phase shows what else ran meanwhile.
watch_others() { # tag
    (sleep 2; top -b -w 300 -d 4 -n 2 > "$WORK/top-processes-$1.txt" 2>&1) &
}
others_cpu() { # tag -> %CPU (100 = one core) of processes that are not part of the benchmark, in top's last sample
    [[ -f "$WORK/top-processes-$1.txt" ]] || { echo "?"; return 0; }
    awk -v p="$PRODUCER_PID" -v c="${CONSUMER_PID:-x}" '
        /^top -/ { n++; sum = 0; next }
        n == 2 && $1 ~ /^[0-9]+$/ && $1 != p && $1 != c && $12 !~ /^(wrk|redis-ser|postgres|top|redis-ben)/ { sum += $9 }
        END { printf "%.0f", sum }' "$WORK/top-processes-$1.txt"
}
TICKS=$(getconf CLK_TCK)
cpu_s() { # pid [field] -> CPU seconds used so far (user + system, or only field 12 = user, 13 = system), 0 if gone
    awk -v t="$TICKS" -v f="${2:-}" '{ sub(/^.*\) /, ""); printf "%.2f", ((f == "") ? $12 + $13 : $f) / t }' \
        "/proc/$1/stat" 2> /dev/null || echo 0
}
cpu_delta() { # before after -> after - before
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}
create_event() { # name capacity -> id
    curl -fsS --max-time 10 "$PRODUCER_URL/events" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $ADMIN_TOKEN" \
        -d "{\"name\":\"$1\",\"capacity\":$2}" | sed -E 's/.*"id":([0-9]+).*/\1/'
}
event_json() { curl -fsS --max-time 10 "$PRODUCER_URL/events/$1"; }
queue_depth() { # event id [key prefix] -> jobs in its shard's queue + processing list
    local shard=$(($1 % SHARDS)) prefix="${2:-$PREFIX}"
    echo $(($(redis llen "$prefix:{s$shard}:queue") + $(redis llen "$prefix:{s$shard}:processing")))
}
wrk_run() { # tag path seconds [stop_after] [connections] [delay ms] -> "BENCH ..." line
    BENCH_PATH="$2" BENCH_TAG="$1" BENCH_THREADS="$WRK_THREADS" BENCH_STOP_AFTER="${4:-0}" BENCH_DELAY_MS="${6:-0}" \
        wrk -t "$WRK_THREADS" -c "${5:-$WRK_CONNECTIONS}" -d "${3}s" --timeout 10s --latency \
        -s "$ROOT/bench/wrk/reserve.lua" "$PRODUCER_URL" > "$WORK/wrk-$1.txt" 2>&1
    grep '^BENCH ' "$WORK/wrk-$1.txt" || die "wrk gave no result, see $WORK/wrk-$1.txt"
}
field() { # line key -> value
    tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "ge") ? (v >= t) : (v < t); print ok ? "yes" : "**no**" }'; }
await_drained() { # event id expected-decided -> seconds from first decision to drained (prints progress)
    local event="$1" start now first="" depth
    start=$(date +%s.%N)
    local initial
    initial=$(queue_depth "$event")
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        depth=$(queue_depth "$event")
        now=$(date +%s.%N)
        if [[ -z "$first" && "$depth" -lt "$initial" ]]; then first=$now; fi
        if [[ "$depth" -eq 0 ]]; then
            awk -v a="${first:-$start}" -v b="$now" 'BEGIN { printf "%.2f", b - a }'
            return 0
        fi
        sleep 0.1
    done
    die "event $event: $depth jobs still queued after $WAIT_SECONDS s"
}
# wrk's threads stop after their share of the backlog (BENCH_STOP_AFTER), but wrk itself only ends at -d or on
# SIGINT: it is interrupted as soon as the queue holds the whole backlog.
fill_queue() { # event jobs tag [key prefix] -> seconds it took until the event's shard held that many jobs
    local start pid
    start=$(date +%s.%N)
    BENCH_PATH="/events/$1/reservations" BENCH_TAG="$3" BENCH_THREADS="$WRK_THREADS" BENCH_STOP_AFTER="$2" \
        wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" -d "${WAIT_SECONDS}s" --timeout 10s \
        -s "$ROOT/bench/wrk/reserve.lua" "$PRODUCER_URL" > "$WORK/wrk-$3.txt" 2>&1 &
    pid=$!
    for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
        kill -0 "$pid" 2> /dev/null || break
        (($(queue_depth "$1" "${4:-$PREFIX}") >= $2)) && break
        sleep 0.2
    done
    sleep 0.5
    kill -INT "$pid" 2> /dev/null || true
    wait "$pid" || true
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}
decided_stats() { # event id [database] -> "count span_seconds confirmed"
    pg -d "${2:-$DB}" -F ' ' -c "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM max(decided_at) - min(decided_at)), 0),
        count(*) FILTER (WHERE status = 'CONFIRMED') FROM reservations WHERE event_id = $1"
}

# ---- (k) cold start: a new producer JVM, and a new consumer JVM on a backlog --------------------------------------
# First, before the main producer starts (and, with BENCH_COLD_ONLY=1, alone). Each variant gets a database and a
# key prefix of its own (so each start includes Flyway creating the schema in an empty database, as the main run's
# first start does), on the ports the main run uses afterwards.
JAVA_FEATURE="$("$JAVA" -XshowSettings:properties -version 2>&1 \
    | awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]) }')"
JCMD="$(dirname "$JAVA")/jcmd"
[[ -x "$JCMD" ]] || JCMD="$(command -v jcmd || true)"
declare -A COLD=()   # results, by "<variant>.<name>"
COLD_VARIANTS=()
COLD_NOTE=""
now_ns() { date +%s%N; }
since() { awk -v a="$1" -v b="${2:-$(now_ns)}" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; } # t0_ns [t1_ns] -> seconds
readiness() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$1/actuator/health/readiness" 2> /dev/null || true; }
accepted() { echo $(($(field "$1" requests) - $(field "$1" non2xx))); } # wrk line -> 2xx answers (202 here)
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'; }
peak_rss() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2> /dev/null || echo "?"; } # pid -> MiB
allocated_bytes() { # pid -> jvm_gc_memory_allocated_bytes_total right after a forced GC (the counter moves at GCs)
    "$JCMD" "$1" GC.run > /dev/null 2>&1 || return 0
    sleep 0.5
    curl -fsS --max-time 5 "$PRODUCER_URL/actuator/prometheus" \
        | awk '/^jvm_gc_memory_allocated_bytes_total/ { v = $NF } END { if (v != "") printf "%.0f", v }'
}
cold_start() { # producer|consumer plain|aot database prefix -> COLD_PID, COLD_T0 (ns)
    local svc="$1-service" port="$PRODUCER_PORT" opts="$SERVICE_JAVA_OPTS $PRODUCER_JAVA_OPTS"
    if [[ "$1" == consumer ]]; then port="$CONSUMER_PORT" opts="$SERVICE_JAVA_OPTS $CONSUMER_JAVA_OPTS"; fi
    local envs=(SPRING_DATASOURCE_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$3" SPRING_DATASOURCE_USERNAME="$PG_USER"
        SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT" RESERVATION_QUEUE_KEY_PREFIX="$4"
        RESERVATION_QUEUE_SHARDS="$SHARDS" SERVER_PORT="$port" RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN"
        RESERVATION_API_MAX_QUEUE_DEPTH=10000000 RESERVATION_BENCH_NOOP_ENDPOINT=true)
    COLD_T0=$(now_ns)
    if [[ "$2" == aot ]]; then
        # from the extracted folder: the cache holds the class path relative to it
        (cd "$WORK/aot-$svc" && exec env "${envs[@]}" "$JAVA" $opts -XX:+HeapDumpOnOutOfMemoryError \
            -XX:HeapDumpPath="$WORK" -XX:AOTCache=app.aot -jar "$svc.jar") >> "$WORK/cold-$1-$2.log" 2>&1 &
    else
        env "${envs[@]}" "$JAVA" $opts -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK" \
            -jar "$WORK/$svc.jar" >> "$WORK/cold-$1-$2.log" 2>&1 &
    fi
    COLD_PID=$!
}
await_ready() { # name port pid t0_ns -> seconds from t0 to the first 200 of /actuator/health/readiness
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        kill -0 "$3" 2> /dev/null || die "$1 exited during start-up, see $WORK/cold-$1-*.log"
        [[ "$(readiness "$2")" == 200 ]] && { since "$4"; return 0; }
        sleep 0.1
    done
    die "$1 not ready after $WAIT_SECONDS s"
}
event_when_migrated() { # database pid -> id of a new event of capacity 1,000,000, inserted as soon as Flyway has
    # created the table, so that wrk can start the moment readiness answers (the producer registers it in Redis at
    # its first request, as it does for any event Redis does not know)
    for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
        kill -0 "$2" 2> /dev/null || die "producer exited during start-up, see $WORK/cold-producer-*.log"
        if [[ "$(pg -d "$1" -c "SELECT to_regclass('public.events') IS NOT NULL" 2> /dev/null)" == t ]]; then
            pg -d "$1" -c "INSERT INTO events (name, capacity) VALUES ('bench-cold-open', 1000000) RETURNING id"
            return 0
        fi
        sleep 0.2
    done
    die "no events table after $WAIT_SECONDS s"
}
cache_refused() { # log -> a note if the JVM did not use the AOT cache
    grep -q -E 'Unable to use AOT cache|not the one used while building|error has occurred while processing the AOT cache' "$1" \
        && echo " (**cache refused**, see $(basename "$1"))" || true
}
cold_variant() { # plain|aot
    local v="$1" db="${DB}_cold_$1" prefix="$PREFIX-cold-$1" path open t0 w1 w2 steady a0 a1 n
    pg -d postgres -c "CREATE DATABASE \"$db\"" > /dev/null
    COLD_DBS+=("$db")

    # the producer: start to readiness, then at once two windows of wrk, then the steady state after the warm-up
    log "(k) $v: new producer JVM"
    cold_start producer "$v" "$db" "$prefix"
    COLD_P=$COLD_PID
    t0=$COLD_T0
    open=$(event_when_migrated "$db" "$COLD_P")
    path="/events/$open/reservations"
    COLD[$v.ready]=$(await_ready producer "$PRODUCER_PORT" "$COLD_P" "$t0")
    w1=$(wrk_run "cold-$v-window1" "$path" "$COLD_WINDOW")
    w2=$(wrk_run "cold-$v-window2" "$path" "$COLD_WINDOW")
    COLD[$v.first1]=$(rate "$(accepted "$w1")" "$(field "$w1" seconds)")
    COLD[$v.first2]=$(rate "$(($(accepted "$w1") + $(accepted "$w2")))" \
        "$(awk -v a="$(field "$w1" seconds)" -v b="$(field "$w2" seconds)" 'BEGIN { print a + b }')")
    COLD[$v.p99_1]=$(ms "$(field "$w1" p99_us)")
    log "(k) $v: ready after ${COLD[$v.ready]} s; accepted/s ${COLD[$v.first1]} in the first ${COLD_WINDOW} s," \
        "${COLD[$v.first2]} in the first $((2 * COLD_WINDOW)) s; now ${WARMUP_SECONDS} s of warm-up"
    wrk_run "cold-$v-warmup" "$path" "$WARMUP_SECONDS" > /dev/null
    a0=$(allocated_bytes "$COLD_P")
    steady=$(wrk_run "cold-$v-steady" "$path" "$WRK_SECONDS")
    a1=$(allocated_bytes "$COLD_P")
    n=$(accepted "$steady")
    COLD[$v.steady]=$(rate "$n" "$(field "$steady" seconds)")
    COLD[$v.share1]=$(share "${COLD[$v.first1]}" "${COLD[$v.steady]}")
    COLD[$v.share2]=$(share "${COLD[$v.first2]}" "${COLD[$v.steady]}")
    COLD[$v.alloc]=$(awk -v a="$a0" -v b="$a1" -v n="$n" \
        'BEGIN { if (a != "" && b != "" && n > 0) printf "%.0f", (b - a) / n; else print "-" }')
    COLD[$v.rss]=$(peak_rss "$COLD_P")
    COLD[$v.note]=$( [[ "$v" == aot ]] && cache_refused "$WORK/cold-producer-aot.log" || true)
    log "(k) $v: steady ${COLD[$v.steady]} accepted/s (first windows ${COLD[$v.share1]} / ${COLD[$v.share2]} of it)," \
        "${COLD[$v.alloc]} bytes allocated per accepted request, peak RSS ${COLD[$v.rss]} MiB${COLD[$v.note]}"

    # the consumer: a new JVM on a backlog of one event (the open event's jobs are removed first: the consumer is
    # to find this backlog, not what the measurements above queued)
    local open_shard=$((open % SHARDS)) hot initial t_ready="" t_first="" t_empty="" depth now c
    redis unlink "$prefix:{s$open_shard}:queue" "$prefix:{s$open_shard}:pending" > /dev/null
    hot=$(create_event bench-cold-hot "$HOT_CAPACITY")
    while ((hot % SHARDS == open_shard)); do hot=$(create_event bench-cold-hot "$HOT_CAPACITY"); done
    COLD[$v.fill]=$(fill_queue "$hot" "$COLD_BACKLOG" "cold-$v-backlog" "$prefix")
    initial=$(queue_depth "$hot" "$prefix")
    log "(k) $v: $initial jobs queued in ${COLD[$v.fill]} s; new consumer JVM"
    cold_start consumer "$v" "$db" "$prefix"
    COLD_C=$COLD_PID
    t0=$COLD_T0
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        kill -0 "$COLD_C" 2> /dev/null || die "consumer exited, see $WORK/cold-consumer-$v.log"
        now=$(now_ns)
        [[ -z "$t_ready" && "$(readiness "$CONSUMER_PORT")" == 200 ]] && t_ready=$now
        depth=$(queue_depth "$hot" "$prefix")
        [[ -z "$t_first" && "$depth" -lt "$initial" ]] && t_first=$now
        [[ -z "$t_empty" && "$depth" -eq 0 ]] && t_empty=$now
        [[ -n "$t_ready" && -n "$t_empty" ]] && break
        sleep 0.1
    done
    [[ -n "$t_ready" && -n "$t_empty" ]] || die "(k) $v: consumer not ready or queue not empty after $WAIT_SECONDS s"
    local span confirmed
    read -r c span confirmed <<< "$(decided_stats "$hot" "$db")"
    COLD[$v.decided]=$c
    COLD[$v.span]=$span
    COLD[$v.confirmed]=$confirmed
    COLD[$v.c_ready]=$(since "$t0" "$t_ready")
    COLD[$v.c_first]=$(since "$t0" "$t_first")
    COLD[$v.c_empty]=$(since "$t0" "$t_empty")
    COLD[$v.c_rate]=$(rate "$c" "${COLD[$v.span]}")
    COLD[$v.c_rss]=$(peak_rss "$COLD_C")
    COLD[$v.c_note]=$( [[ "$v" == aot ]] && cache_refused "$WORK/cold-consumer-aot.log" || true)
    log "(k) $v: consumer ready after ${COLD[$v.c_ready]} s, first decision ${COLD[$v.c_first]} s, queue empty" \
        "${COLD[$v.c_empty]} s; $c decided (${COLD[$v.confirmed]} confirmed), ${COLD[$v.c_rate]}/s${COLD[$v.c_note]}"

    stop_pid "$COLD_C"
    stop_pid "$COLD_P"
    COLD_C=""
    COLD_P=""
    delete_keys "$prefix:*"
    pg -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" > /dev/null
    COLD_VARIANTS+=("$v")
}
cold_rows() { # the (k) rows of the results table
    local v label
    [[ -n "$COLD_NOTE" ]] && echo "| k | AOT cache variant | $COLD_NOTE | | |"
    for v in "${COLD_VARIANTS[@]}"; do
        label=$( [[ "$v" == aot ]] && echo "with the AOT cache${COLD[$v.note]}" || echo "no AOT cache")
        echo "| k | New producer JVM, $label: process start to readiness (s) | ${COLD[$v.ready]} | | |"
        echo "| k | Accepted/s, first ${COLD_WINDOW} s / first $((2 * COLD_WINDOW)) s after readiness / steady state (${WRK_SECONDS} s after $((2 * COLD_WINDOW + WARMUP_SECONDS)) s) | ${COLD[$v.first1]} / ${COLD[$v.first2]} / ${COLD[$v.steady]} | | |"
        echo "| k | First ${COLD_WINDOW} s / first $((2 * COLD_WINDOW)) s as a share of the steady state; p99 of the first ${COLD_WINDOW} s (ms) | ${COLD[$v.share1]} / ${COLD[$v.share2]}; ${COLD[$v.p99_1]} | as warm (1.00) | |"
        echo "| k | Bytes allocated per accepted request, steady state (jvm_gc_memory_allocated_bytes_total between two forced GCs) | ${COLD[$v.alloc]} | | |"
        echo "| k | Peak RSS of this producer (VmHWM, MiB) | ${COLD[$v.rss]} | < 512 | $( [[ "${COLD[$v.rss]}" == "?" ]] && echo '-' || verdict "${COLD[$v.rss]}" 512 lt) |"
        echo "| k | New consumer JVM, $( [[ "$v" == aot ]] && echo "with the AOT cache${COLD[$v.c_note]}" || echo "no AOT cache"), on ${COLD[$v.decided]} queued jobs (one event, capacity $HOT_CAPACITY): start to readiness / first decision / empty queue (s) | ${COLD[$v.c_ready]} / ${COLD[$v.c_first]} / ${COLD[$v.c_empty]} | | |"
        echo "| k | Same consumer: decisions/s (decidedAt span ${COLD[$v.span]} s); confirmed; peak RSS (MiB) | ${COLD[$v.c_rate]}; ${COLD[$v.confirmed]}; ${COLD[$v.c_rss]} | | |"
    done
}
describe_run() { # the paragraph under each results title
    local cpu_model
    cpu_model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2> /dev/null || echo '?')$(git diff --quiet HEAD 2> /dev/null || echo ' (with uncommitted changes)');" \
        "$(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM;" \
        "$("$JAVA" -version 2>&1 | head -n 1); Redis $(redis info server | awk -F: '/redis_version/ { print $2 }' | tr -d '\r');" \
        "$(pg -d postgres -c 'SHOW server_version')." \
        "Producer, consumer, Redis, PostgreSQL, wrk and the load generator share these CPUs, on loopback."
}

if [[ "${BENCH_COLD:-1}" != 0 || "${BENCH_COLD_ONLY:-0}" == 1 ]]; then
    command -v "$JCMD" > /dev/null 2>&1 || log "(k) no jcmd next to $JAVA: bytes per request not measured"
    if [[ "${BENCH_COLD_AOT:-1}" == 0 ]]; then
        COLD_NOTE="not run (BENCH_COLD_AOT=0)"
    elif [[ -z "$JAVA_FEATURE" || "$JAVA_FEATURE" -lt 25 ]]; then
        COLD_NOTE="skipped: Java ${JAVA_FEATURE:-?}, the AOT cache needs Java 25"
    else
        # The caches of this run's jars, made as the Dockerfile and scripts/run-pair.sh make them (training run
        # with the services' options, 10 s of wrk for the producer), in a database and key prefix of their own.
        for svc in producer-service consumer-service; do
            log "(k) AOT cache of $svc: training run (scripts/aot-cache.sh), log in $WORK/aot-$svc.log"
            svc_opts="$PRODUCER_JAVA_OPTS"
            [[ "$svc" == consumer-service ]] && svc_opts="$CONSUMER_JAVA_OPTS"
            env JAVA="$JAVA" AOT_JAR="$WORK/$svc.jar" AOT_JAVA_OPTS="$SERVICE_JAVA_OPTS $svc_opts" \
                SPRING_DATASOURCE_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/postgres" SPRING_DATASOURCE_USERNAME="$PG_USER" \
                SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT" RESERVATION_QUEUE_SHARDS="$SHARDS" \
                RESERVATION_API_MAX_QUEUE_DEPTH=10000000 RESERVATION_BENCH_NOOP_ENDPOINT=true \
                "$ROOT/scripts/aot-cache.sh" "$svc" "$WORK/aot-$svc" > "$WORK/aot-$svc.log" 2>&1 \
                || die "AOT cache of $svc failed: $(tail -n 2 "$WORK/aot-$svc.log" | tr '\n' ' ')"
            mv "$WORK/aot-$svc/aot-training.log" "$WORK/aot-training-$svc.log" 2> /dev/null || true
        done
    fi
    cold_variant plain
    [[ -z "$COLD_NOTE" ]] && cold_variant aot
    if [[ "${BENCH_COLD_ONLY:-0}" == 1 ]]; then
        {
            echo "# Cold start, run $RUN_ID"
            echo
            describe_run
            echo "Services: \`$SERVICE_JAVA_OPTS\`${PRODUCER_JAVA_OPTS:+ (producer also \`$PRODUCER_JAVA_OPTS\`)}, $SHARDS shards. wrk: $WRK_THREADS threads, $WRK_CONNECTIONS connections."
            echo
            echo "| # | Measurement | Result | Target | Met |"
            echo "|---|---|---|---|---|"
            cold_rows
        } > "$WORK/results-cold.md"
        cp "$WORK/results-cold.md" "$ROOT/bench/results/latest-cold.md"
        cat "$WORK/results-cold.md"
        log "written to bench/results/latest-cold.md (logs: $WORK)"
        exit 0
    fi
fi

start_producer
await_healthy producer "$PRODUCER_PORT" "$PRODUCER_PID"
sample_rss &
SAMPLER_PID=$!
log "producer up (pid $PRODUCER_PID)"

# ---- (a) ceiling 1: the no-op endpoint --------------------------------------------------------------------------
# Both endpoints are warmed up before either is measured, so neither pays for the JIT of the shared stack.
OPEN_EVENT=$(create_event bench-open 1000000)
log "warm-up: ${WARMUP_SECONDS}s of wrk on each endpoint"
wrk_run noop-warmup /bench/noop/events/1/reservations "$WARMUP_SECONDS" > /dev/null
wrk_run accept-warmup "/events/$OPEN_EVENT/reservations" "$WARMUP_SECONDS" > /dev/null
alive producer "$PRODUCER_PID"

# ---- (h) CPU per request: both endpoints in turn, producer and Redis ---------------------------------------------
# Throughput on a shared 2-core machine swings from run to run; the CPU each answered request costs the producer
# (and, for the accept path, Redis) is steadier, and alternating short rounds exposes both endpoints to the same
# conditions. Redis's CPU is only read when it runs on this machine.
REDIS_PID="$(redis info server | awk -F: '/^process_id:/ { print $2 }' | tr -d '\r')"
[[ -r "/proc/$REDIS_PID/stat" ]] || REDIS_PID=""
per_request_us() { # cpu_seconds requests -> microseconds per request
    awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "-" }'
}
script_runs() { # EVALSHA + EVAL calls Redis has counted so far (all clients: the run is assumed alone on Redis)
    redis info commandstats | awk -F'[=,:]' '/^cmdstat_eval(sha)?:/ { n += $3 } END { print n + 0 }'
}
# The producer's CPU so far by kind of thread, in clock ticks (user + system): virtual-thread carriers (request
# handling, when the producer runs on virtual threads), Lettuce (its Netty event loops), Tomcat (its request
# threads, poller and acceptor, which share one 15-character prefix), GC, JIT compilers, everything else. Linux
# cuts thread names to 15 characters, which these prefixes fit.
thread_ticks() { # pid -> six numbers, in that order
    cat /proc/"$1"/task/*/stat 2> /dev/null | awk '
        { name = $0; sub(/^[^(]*\(/, "", name); sub(/\)[^)]*$/, "", name)
          rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")
          if (name ~ /^ForkJoinPool-[0-9]/) k = 1; else if (name ~ /^lettuce-/) k = 2; else if (name ~ /^http-/) k = 3
          else if (name ~ /^(GC Thread|G1 )/) k = 4; else if (name ~ /^C[12] Compiler/) k = 5; else k = 6
          ticks[k] += f[12] + f[13] }
        END { for (k = 1; k <= 6; k++) printf "%d%s", ticks[k], (k < 6 ? " " : "\n") }'
}
cpu_round() { # round endpoint path -> one table row; also appends "round requests/s" to $WORK/cpu-rounds-<endpoint>
    local pu ps r0 s0 t0 line n r1
    pu=$(cpu_s "$PRODUCER_PID" 12)
    ps=$(cpu_s "$PRODUCER_PID" 13)
    r0=$( [[ -n "$REDIS_PID" ]] && cpu_s "$REDIS_PID" || echo 0)
    s0=$(script_runs)
    t0=$(thread_ticks "$PRODUCER_PID")
    line=$(wrk_run "cpu-$2-$1" "$3" "$CPU_SECONDS")
    n=$(field "$line" requests)
    local runs=$(($(script_runs) - s0))
    r1=$( [[ -n "$REDIS_PID" ]] && cpu_s "$REDIS_PID" || echo 0)
    echo "$1 $(field "$line" rps)" >> "$WORK/cpu-rounds-$2"
    # by thread, µs per request; then Lettuce's and Redis's µs per script run (the costs that come once per round trip)
    awk -v t="$TICKS" -v n="$n" -v runs="$runs" -v redis="$(cpu_delta "$r0" "$r1")" -v round="$1" -v endpoint="$2" \
        -v before="$t0" -v after="$(thread_ticks "$PRODUCER_PID")" 'BEGIN {
            split(before, b, " "); split(after, a, " "); row = "| " round " | " endpoint
            for (k = 1; k <= 6; k++) row = row sprintf(" | %.1f", (n > 0) ? (a[k] - b[k]) * 1e6 / t / n : 0)
            if (runs > 0) row = row sprintf(" | %.0f | %.0f |", (a[2] - b[2]) * 1e6 / t / runs, redis * 1e6 / runs)
            else row = row " | - | - |"
            print row }' >> "$WORK/cpu-threads.md"
    echo "| $1 | $2 | $(field "$line" rps)" \
        "| $(per_request_us "$(cpu_delta "$pu" "$(cpu_s "$PRODUCER_PID" 12)")" "$n")" \
        "| $(per_request_us "$(cpu_delta "$ps" "$(cpu_s "$PRODUCER_PID" 13)")" "$n")" \
        "| $( [[ -n "$REDIS_PID" ]] && per_request_us "$(cpu_delta "$r0" "$r1")" "$n" || echo '?')" \
        "| $( ((runs > 0)) && awk -v n="$n" -v r="$runs" 'BEGIN { printf "%.1f", n / r }' || echo '-') |"
}
ROUND_RATIOS="-"
ROUND_MEDIAN="-"
if ((CPU_ROUNDS > 0)); then
    log "(h) CPU per request: $CPU_ROUNDS rounds of ${CPU_SECONDS}s on each endpoint, alternately"
    {
        echo "| Round | Endpoint | Requests/s | Producer user µs/request | Producer kernel µs/request | Redis µs/request | Requests per script run |"
        echo "|---|---|---|---|---|---|---|"
        for round in $(seq 1 "$CPU_ROUNDS"); do
            cpu_round "$round" no-op /bench/noop/events/1/reservations
            cpu_round "$round" accept "/events/$OPEN_EVENT/reservations"
        done
    } > "$WORK/cpu-rounds.md"
    # accept/no-op per round (each accept round right after its no-op round), and their median
    ROUND_RATIOS=$(paste -d ' ' "$WORK/cpu-rounds-no-op" "$WORK/cpu-rounds-accept" \
        | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $4 / $2 }')
    ROUND_MEDIAN=$(tr ' ' '\n' <<< "$ROUND_RATIOS" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
    echo "accept/no-op per round: $ROUND_RATIOS; median $ROUND_MEDIAN" >> "$WORK/cpu-rounds.md"
    {
        echo
        echo "The producer's CPU by thread, µs per answered request, and what comes once per script run (a round trip):"
        echo
        echo "| Round | Endpoint | Virtual-thread carriers | Lettuce event loop | Tomcat (request threads, poller, acceptor) | GC | JIT | Other | Lettuce µs per script run | Redis µs per script run |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        cat "$WORK/cpu-threads.md"
    } >> "$WORK/cpu-rounds.md"
    cat "$WORK/cpu-rounds.md" >&2
    if [[ "${BENCH_CPU_ONLY:-0}" == 1 ]]; then
        cp "$WORK/cpu-rounds.md" "$ROOT/bench/results/latest-cpu.md"
        log "written to bench/results/latest-cpu.md"
        exit 0
    fi
fi

log "(a) wrk ${WRK_SECONDS}s on the no-op endpoint"
watch_others noop
p0=$(cpu_s "$PRODUCER_PID")
NOOP=$(wrk_run noop /bench/noop/events/1/reservations "$WRK_SECONDS")
NOOP_CPU=$(cpu_delta "$p0" "$(cpu_s "$PRODUCER_PID")")
log "(a) $NOOP"

# ---- (b) ceiling 2: LPUSH on the same Redis ---------------------------------------------------------------------
# A job-sized value (about the size of one queued job) onto a list under this run's prefix, not redis-benchmark's
# default key "mylist": the server is shared.
PAYLOAD="$(printf '%0160d' 0)"
rb() { # pipeline -> requests/s
    redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_REQUESTS" -c "$REDIS_CLIENTS" -P "$1" --csv \
        LPUSH "$PREFIX:redis-benchmark" "$PAYLOAD" 2> /dev/null | awk -F'"' 'NR == 2 { print $4 }'
    redis unlink "$PREFIX:redis-benchmark" > /dev/null
}
log "(b) redis-benchmark LPUSH, $REDIS_REQUESTS requests, $REDIS_CLIENTS clients"
LPUSH_1=$(rb 1)
LPUSH_P=$(rb "$REDIS_PIPELINE")
log "(b) LPUSH/s: $LPUSH_1 (no pipelining), $LPUSH_P (pipeline $REDIS_PIPELINE)"

# ---- (c) the real accept path -----------------------------------------------------------------------------------
log "(c) wrk ${WRK_SECONDS}s on POST /events/$OPEN_EVENT/reservations (capacity 1000000, consumer not running)"
if [[ "${BENCH_JFR:-0}" == 1 ]]; then
    jcmd_bin="$(dirname "$JAVA")/jcmd"
    "$jcmd_bin" "$PRODUCER_PID" JFR.start name=bench settings=profile duration="${WRK_SECONDS}s" \
        filename="$WORK/producer-accept.jfr" > /dev/null
fi
profile_top accept "$PRODUCER_PID"
watch_others accept
p0=$(cpu_s "$PRODUCER_PID")
ACCEPT=$(wrk_run accept "/events/$OPEN_EVENT/reservations" "$WRK_SECONDS")
ACCEPT_CPU=$(cpu_delta "$p0" "$(cpu_s "$PRODUCER_PID")")
log "(c) $ACCEPT"
alive producer "$PRODUCER_PID"

# ---- (d4) p99 at half of (c), the producer alone ----------------------------------------------------------------
# As (d3) below, but before any consumer runs: the latency of the accept path itself, without the worker and
# PostgreSQL taking turns on the same two cores (in production they run elsewhere).
ACCEPT_RPS=$(field "$ACCEPT" rps)
HALF_RATE=$((ACCEPT_RPS / 2))
PACED_CONNECTIONS=$(( HALF_RATE * 12 / 1000 > 0 ? HALF_RATE * 12 / 1000 : 1 ))
log "(d4) wrk paced, producer alone: $PACED_CONNECTIONS connections, 10 ms between requests (target $HALF_RATE/s) for ${HALF_RATE_SECONDS}s"
PACED_ALONE=$(wrk_run paced-alone "/events/$OPEN_EVENT/reservations" "$HALF_RATE_SECONDS" 0 "$PACED_CONNECTIONS" 10)
log "(d4) $(field "$PACED_ALONE" rps) requests/s, p99 $(ms "$(field "$PACED_ALONE" p99_us)") ms"
alive producer "$PRODUCER_PID"
ACCEPT_BACKLOG=$(queue_depth "$OPEN_EVENT")

# The consumer joins now and drains what (c) queued: all CONFIRMED, spread over one event.
start_consumer
await_healthy consumer "$CONSUMER_PORT" "$CONSUMER_PID"
log "consumer up (pid $CONSUMER_PID); draining $ACCEPT_BACKLOG jobs of event $OPEN_EVENT"
OPEN_DRAIN_S=$(await_drained "$OPEN_EVENT")
read -r OPEN_DECIDED OPEN_SPAN OPEN_CONFIRMED <<< "$(decided_stats "$OPEN_EVENT")"
log "drained in ${OPEN_DRAIN_S}s: $OPEN_DECIDED decided ($OPEN_CONFIRMED confirmed), decidedAt span ${OPEN_SPAN}s"
# Draining (c) has just inserted hundreds of thousands of rows, which sets off autovacuum of the reservations table
# at a time of its own choosing. Vacuumed now, (e) does not depend on whether that happens to overlap it (in one
# run, (e) drained at 14,900/s while PostgreSQL processes took more than a core and the worker's JVM a third of one).
log "VACUUM ANALYZE of the reservations (c) decided, before (e)"
pg -d "$DB" -c "VACUUM (ANALYZE) reservations" > /dev/null

# ---- (e) worker throughput on one hot event ---------------------------------------------------------------------
# The consumer that drained (c) is frozen (SIGSTOP) while the backlog builds and thawed (SIGCONT) to drain it: a
# warm JVM, as a worker that has been running before a drop. Its lease lapses meanwhile and it takes its shards
# back first, before the first decision, so outside the measured span. BENCH_COLD_WORKER=1 starts a new consumer
# JVM instead: then the span includes the JIT's warm-up.
if [[ "${BENCH_COLD_WORKER:-0}" == 1 ]]; then
    stop_pid "$CONSUMER_PID"
    WORKER_KIND="cold: new JVM"
else
    kill -STOP "$CONSUMER_PID"
    WORKER_KIND="warm: frozen, then resumed"
fi
log "(e) consumer $WORKER_KIND; queueing $BACKLOG requests for one event of capacity $HOT_CAPACITY"
HOT_EVENT=$(create_event bench-hot "$HOT_CAPACITY")
fill_s=$(fill_queue "$HOT_EVENT" "$BACKLOG" backlog)
alive producer "$PRODUCER_PID"
BACKLOG_WRK="filled in ${fill_s}s"
HOT_BACKLOG=$(queue_depth "$HOT_EVENT")
SYNC_COMMIT=$(pg -d "$DB" -c 'SHOW synchronous_commit')
log "(e) $HOT_BACKLOG jobs queued ($BACKLOG_WRK); synchronous_commit=$SYNC_COMMIT; releasing the consumer"
if [[ "${BENCH_COLD_WORKER:-0}" == 1 ]]; then
    start_consumer
else
    kill -CONT "$CONSUMER_PID"
fi
if [[ "${BENCH_PROFILE:-0}" == 1 ]]; then
    # wait for the first decision, then sample while the backlog drains
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        (($(queue_depth "$HOT_EVENT") < HOT_BACKLOG)) && break
        sleep 0.1
    done
    profile_top backlog "$CONSUMER_PID"
fi
watch_others backlog
HOT_DRAIN_S=$(await_drained "$HOT_EVENT")
read -r HOT_DECIDED HOT_SPAN HOT_CONFIRMED <<< "$(decided_stats "$HOT_EVENT")"
HOT_RESERVED=$(event_json "$HOT_EVENT" | sed -E 's/.*"reserved":([0-9]+).*/\1/')
log "(e) drained in ${HOT_DRAIN_S}s: $HOT_DECIDED decided, $HOT_CONFIRMED confirmed (event shows $HOT_RESERVED), decidedAt span ${HOT_SPAN}s"
await_healthy consumer "$CONSUMER_PORT" "$CONSUMER_PID"

# ---- (d) p99 at half the measured maximum rate (HALF_RATE, from (c)), open loop -----------------------------------
HALF_REQUESTS=$((HALF_RATE * HALF_RATE_SECONDS))
alive producer "$PRODUCER_PID"
log "(d) load generator, open loop at $HALF_RATE requests/s for ${HALF_RATE_SECONDS}s ($HALF_REQUESTS requests)"
p0=$(cpu_s "$PRODUCER_PID"); c0=$(cpu_s "$CONSUMER_PID"); d0=$(date +%s.%N)
set +e
RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" "$JAVA" $LOADGEN_JAVA_OPTS -jar "$WORK/load-generator.jar" --url "$PRODUCER_URL" --create-events 1000000 \
    --requests "$HALF_REQUESTS" --users "$HALF_REQUESTS" --malformed 0 --rate "$HALF_RATE" \
    --concurrency "$E2E_CONCURRENCY" --wait-timeout 120 --report "$WORK/half-rate.properties" > "$WORK/half-rate.md" 2> "$WORK/half-rate.err"
HALF_EXIT=$?
set -e
HALF_WALL=$(cpu_delta "$d0" "$(date +%s.%N)")
HALF_CPU="producer $(cpu_delta "$p0" "$(cpu_s "$PRODUCER_PID")") s, consumer $(cpu_delta "$c0" "$(cpu_s "$CONSUMER_PID")") s"
prop() { awk -F= -v k="$2" '$1 == k { print $2 }' "$1"; }
[[ -f "$WORK/half-rate.properties" ]] || die "load generator failed (exit $HALF_EXIT), see $WORK/half-rate.err"
log "(d) p99 $(prop "$WORK/half-rate.properties" post_latency_p99_ms) ms, check $(prop "$WORK/half-rate.properties" invariant_check)"

# ---- (d2) the same at a fixed lower rate ------------------------------------------------------------------------
# The load generator (JDK HttpClient) costs far more CPU per request than wrk and shares the cores with the
# services: where it cannot keep (d)'s schedule, (d) measures the queue behind it. This rate shows the latency of a
# system that keeps up.
LOW_REQUESTS=$((LOW_RATE * HALF_RATE_SECONDS))
log "(d2) load generator, open loop at $LOW_RATE requests/s for ${HALF_RATE_SECONDS}s"
set +e
RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" "$JAVA" $LOADGEN_JAVA_OPTS -jar "$WORK/load-generator.jar" --url "$PRODUCER_URL" --create-events 1000000 \
    --requests "$LOW_REQUESTS" --users "$LOW_REQUESTS" --malformed 0 --rate "$LOW_RATE" \
    --concurrency "$E2E_CONCURRENCY" --wait-timeout 120 --report "$WORK/low-rate.properties" > "$WORK/low-rate.md" 2> "$WORK/low-rate.err"
LOW_EXIT=$?
set -e
[[ -f "$WORK/low-rate.properties" ]] || die "load generator failed (exit $LOW_EXIT), see $WORK/low-rate.err"
log "(d2) p99 $(prop "$WORK/low-rate.properties" post_latency_p99_ms) ms, check $(prop "$WORK/low-rate.properties" invariant_check)"

# ---- (d3) half rate again, paced by wrk ---------------------------------------------------------------------------
# wrk costs a fraction of the load generator's CPU per request. Each of C connections waits 10 ms before each
# request, so C connections send about C / (10 ms + latency): C = rate x 12 ms assumes answers of about 2 ms (the
# p50 seen here at this rate). This is a closed loop per connection: slow answers lower the rate instead of queueing
# (so the achieved rate is reported, and the p99 only counts if it is close to the target).
log "(d3) wrk paced: $PACED_CONNECTIONS connections, 10 ms between requests (target $HALF_RATE/s) for ${HALF_RATE_SECONDS}s"
PACED=$(wrk_run paced "/events/$OPEN_EVENT/reservations" "$HALF_RATE_SECONDS" 0 "$PACED_CONNECTIONS" 10)
log "(d3) $(field "$PACED" rps) requests/s, p99 $(ms "$(field "$PACED" p99_us)") ms"

# ---- (f) end-to-end burst with the invariant check --------------------------------------------------------------
alive producer "$PRODUCER_PID"
alive consumer "$CONSUMER_PID"
log "(f) load generator burst: $E2E_REQUESTS requests, $E2E_USERS users, $E2E_MALFORMED malformed, $E2E_CONCURRENCY in flight"
set +e
RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" "$JAVA" $LOADGEN_JAVA_OPTS -jar "$WORK/load-generator.jar" --url "$PRODUCER_URL" --create-events 500,100,2000 \
    --requests "$E2E_REQUESTS" --users "$E2E_USERS" --malformed "$E2E_MALFORMED" --concurrency "$E2E_CONCURRENCY" \
    --wait-timeout 120 --report "$WORK/burst.properties" > "$WORK/burst.md" 2> "$WORK/burst.err"
BURST_EXIT=$?
set -e
[[ -f "$WORK/burst.properties" ]] || die "load generator failed (exit $BURST_EXIT), see $WORK/burst.err"
log "(f) $(prop "$WORK/burst.properties" invariant_check), exit $BURST_EXIT"

# ---- (g) memory -------------------------------------------------------------------------------------------------
stop_pid "$SAMPLER_PID"
RSS_P=$(($(cat "$WORK/rss-producer.kb" 2> /dev/null || echo 0) / 1024))
RSS_C=$(($(cat "$WORK/rss-consumer.kb" 2> /dev/null || echo 0) / 1024))

# ---- results ----------------------------------------------------------------------------------------------------
NOOP_RPS=$(field "$NOOP" rps)
RATIO=$(awk -v a="$ACCEPT_RPS" -v b="$NOOP_RPS" 'BEGIN { printf "%.2f", a / b }')
# the accept path against the second ceiling: what share of the LPUSHes Redis takes from 50 clients it reaches
REDIS_RATIOS=$(awk -v a="$ACCEPT_RPS" -v p="$LPUSH_1" -v q="$LPUSH_P" \
    'BEGIN { if (p > 0 && q > 0) printf "%.2f / %.3f", a / p, a / q; else print "-" }')
HOT_RATE=$(awk -v n="$HOT_DECIDED" -v s="$HOT_SPAN" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
HOT_WALL_RATE=$(awk -v n="$HOT_DECIDED" -v s="$HOT_DRAIN_S" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
OPEN_RATE=$(awk -v n="$OPEN_DECIDED" -v s="$OPEN_SPAN" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
HALF_P99=$(prop "$WORK/half-rate.properties" post_latency_p99_ms)
RESULT="$WORK/results.md"
{
    echo "# Benchmark run $RUN_ID"
    echo
    describe_run
    echo "CPU used by processes outside the benchmark (other builds on a shared machine; 100 = one core), sampled over 4 s" \
        "of each phase: (a) $(others_cpu noop)%, (c) $(others_cpu accept)%, (e) $(others_cpu backlog)%."
    echo "Services: \`$SERVICE_JAVA_OPTS\`${PRODUCER_JAVA_OPTS:+ (producer also \`$PRODUCER_JAVA_OPTS\`)}, $SHARDS shards. wrk: $WRK_THREADS threads, $WRK_CONNECTIONS connections, ${WRK_SECONDS}s after ${WARMUP_SECONDS}s warm-up."
    echo
    echo "| # | Measurement | Result | Target | Met |"
    echo "|---|---|---|---|---|"
    echo "| a | No-op endpoint (wrk): requests/s | $NOOP_RPS | reference | |"
    echo "| a | Producer CPU during (a), of $((WRK_SECONDS * $(nproc))) s available | ${NOOP_CPU} s | | |"
    echo "| a | No-op endpoint latency p50 / p99 / p99.9 (ms) | $(ms "$(field "$NOOP" p50_us)") / $(ms "$(field "$NOOP" p99_us)") / $(ms "$(field "$NOOP" p999_us)") | | |"
    echo "| b | Redis LPUSH/s, $REDIS_CLIENTS clients, no pipelining / pipeline $REDIS_PIPELINE | $LPUSH_1 / $LPUSH_P | reference | |"
    echo "| c | Accept path (wrk, capacity 1,000,000): requests/s | $ACCEPT_RPS | | |"
    echo "| c | Accept path latency p50 / p99 / p99.9 (ms) | $(ms "$(field "$ACCEPT" p50_us)") / $(ms "$(field "$ACCEPT" p99_us)") / $(ms "$(field "$ACCEPT" p999_us)") | | |"
    echo "| c | Accept path non-2xx answers / socket errors | $(field "$ACCEPT" non2xx) / $(( $(field "$ACCEPT" connect_errors) + $(field "$ACCEPT" read_errors) + $(field "$ACCEPT" write_errors) + $(field "$ACCEPT" timeouts) )) | 0 | |"
    echo "| c | Producer CPU during (c), of $((WRK_SECONDS * $(nproc))) s available | ${ACCEPT_CPU} s | | |"
    echo "| c/a | Accept path / no-op endpoint, (c) over (a) | $RATIO | ≥ 0.80 | $(verdict "$RATIO" 0.8 ge) |"
    echo "| c/b | Accept path / Redis LPUSH/s, (c) over (b), no pipelining / pipeline $REDIS_PIPELINE (each accepted request is a share of one script run, not one LPUSH) | $REDIS_RATIOS | reference | |"
    echo "| h | Accept path / no-op endpoint, median of the $CPU_ROUNDS alternating rounds of (h) (each round: $ROUND_RATIOS) | $ROUND_MEDIAN | ≥ 0.80 | $( [[ "$ROUND_MEDIAN" == - ]] && echo '-' || verdict "$ROUND_MEDIAN" 0.8 ge) |"
    echo "| d | POST p99 at $HALF_RATE requests/s (50% of c), open loop, ${HALF_RATE_SECONDS}s (ms) | $HALF_P99 | < 10 | $(verdict "$HALF_P99" 10 lt) |"
    echo "| d | p50 / p99.9 / max (ms); invariant check | $(prop "$WORK/half-rate.properties" post_latency_p50_ms) / $(prop "$WORK/half-rate.properties" post_latency_p999_ms) / $(prop "$WORK/half-rate.properties" post_latency_max_ms); $(prop "$WORK/half-rate.properties" invariant_check) | PASS | |"
    echo "| d | Achieved answers/s; CPU over the ${HALF_WALL} s of (d), of $(awk -v w="$HALF_WALL" -v n="$(nproc)" 'BEGIN { printf "%.0f", w * n }') s available | $(prop "$WORK/half-rate.properties" answers_s); $HALF_CPU, load generator $(prop "$WORK/half-rate.properties" load_generator_cpu_s) s | | |"
    echo "| d3 | POST p99 at $HALF_RATE requests/s (50% of c), wrk paced ($PACED_CONNECTIONS connections, 10 ms between requests), ${HALF_RATE_SECONDS}s (ms) | $(ms "$(field "$PACED" p99_us)") | < 10 | $(verdict "$(ms "$(field "$PACED" p99_us)")" 10 lt) |"
    echo "| d3 | Achieved requests/s; p50 / p99.9 / max (ms); non-2xx | $(field "$PACED" rps); $(ms "$(field "$PACED" p50_us)") / $(ms "$(field "$PACED" p999_us)") / $(ms "$(field "$PACED" max_us)"); $(field "$PACED" non2xx) | | |"
    echo "| d4 | POST p99 at $HALF_RATE requests/s (50% of c), wrk paced as (d3), producer alone (no consumer running) (ms) | $(ms "$(field "$PACED_ALONE" p99_us)") | < 10 | $(verdict "$(ms "$(field "$PACED_ALONE" p99_us)")" 10 lt) |"
    echo "| d4 | Achieved requests/s; p50 / p99.9 / max (ms); non-2xx | $(field "$PACED_ALONE" rps); $(ms "$(field "$PACED_ALONE" p50_us)") / $(ms "$(field "$PACED_ALONE" p999_us)") / $(ms "$(field "$PACED_ALONE" max_us)"); $(field "$PACED_ALONE" non2xx) | | |"
    echo "| d2 | POST p99 at $LOW_RATE requests/s, open loop, ${HALF_RATE_SECONDS}s (ms) | $(prop "$WORK/low-rate.properties" post_latency_p99_ms) | < 10 | $(verdict "$(prop "$WORK/low-rate.properties" post_latency_p99_ms)" 10 lt) |"
    echo "| d2 | p50 / p99.9 / max (ms); achieved answers/s; load generator CPU (s); invariant check | $(prop "$WORK/low-rate.properties" post_latency_p50_ms) / $(prop "$WORK/low-rate.properties" post_latency_p999_ms) / $(prop "$WORK/low-rate.properties" post_latency_max_ms); $(prop "$WORK/low-rate.properties" answers_s); $(prop "$WORK/low-rate.properties" load_generator_cpu_s); $(prop "$WORK/low-rate.properties" invariant_check) | | |"
    echo "| e | Worker ($WORKER_KIND): $HOT_DECIDED jobs on one event of capacity $HOT_CAPACITY, decisions/s (decidedAt span ${HOT_SPAN}s) | $HOT_RATE | ≥ 20,000 | $(verdict "${HOT_RATE/-/0}" 20000 ge) |"
    echo "| e | Worker: same, wall clock from first decision to empty queue (${HOT_DRAIN_S}s) | $HOT_WALL_RATE | | |"
    echo "| e | Confirmed / event reserved; synchronous_commit | $HOT_CONFIRMED / $HOT_RESERVED; $SYNC_COMMIT | $HOT_CAPACITY | |"
    echo "| e' | Worker: the $OPEN_DECIDED jobs of (c), all CONFIRMED, decisions/s (decidedAt span) | $OPEN_RATE | | |"
    echo "| f | Burst: requests; answers/s; accepted/s | $(prop "$WORK/burst.properties" requests); $(prop "$WORK/burst.properties" answers_s); $(prop "$WORK/burst.properties" accepted_s) | | |"
    echo "| f | Burst POST latency p50 / p99 / p99.9 / max (ms) | $(prop "$WORK/burst.properties" post_latency_p50_ms) / $(prop "$WORK/burst.properties" post_latency_p99_ms) / $(prop "$WORK/burst.properties" post_latency_p999_ms) / $(prop "$WORK/burst.properties" post_latency_max_ms) | | |"
    echo "| f | Burst: first request to all decided (s); decisions/s; accept→decision p50 / p99 (ms) | $(prop "$WORK/burst.properties" first_request_to_all_decided_s); $(prop "$WORK/burst.properties" decisions_s_decidedat_span); $(prop "$WORK/burst.properties" accept_to_decision_p50_ms) / $(prop "$WORK/burst.properties" accept_to_decision_p99_ms) | | |"
    echo "| f | Burst invariant check | $(prop "$WORK/burst.properties" invariant_check) | PASS | $( [[ $BURST_EXIT == 0 ]] && echo yes || echo '**no**') |"
    echo "| g | Max RSS producer / consumer (MiB) | $RSS_P / $RSS_C | < 512 each | $(verdict "$(( RSS_P > RSS_C ? RSS_P : RSS_C ))" 512 lt) |"
    cold_rows
    echo
    if [[ -f "$WORK/cpu-rounds.md" ]]; then
        echo "## (h) CPU per answered request, ${CPU_SECONDS}s rounds, the two endpoints alternately"
        echo
        cat "$WORK/cpu-rounds.md"
        echo
    fi
    echo "## (d) load generator, open loop"
    echo
    cat "$WORK/half-rate.md"
    echo "## (d2) load generator, open loop at $LOW_RATE requests/s"
    echo
    cat "$WORK/low-rate.md"
    echo "## (f) load generator, end-to-end burst"
    echo
    cat "$WORK/burst.md"
} > "$RESULT"
cp "$RESULT" "$ROOT/bench/results/latest.md"
cat "$RESULT"
log "written to bench/results/latest.md (logs: $WORK)"
[[ $BURST_EXIT == 0 && $HALF_EXIT == 0 && $LOW_EXIT == 0 ]]
exit
}
