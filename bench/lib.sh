# shellcheck shell=bash
# The benchmark's library, sourced by bench/run.sh, every script in bench/phases/ and bench/identity-modes.sh:
# settings with their defaults, logging, the run (its database, key prefix, work folder, state and clean-up),
# starting the services, and the wrk, Redis, PostgreSQL and results helpers.
#
# Every setting is an environment variable, described once in docs/benchmark.md#settings; the defaults are here.
#
# A run: a database bench_<run>, a key prefix bench-<run> and a work folder bench/work/<run>/ holding the logs, the
# jars it runs and state.env, where each phase leaves what later phases and the results table need. The script that
# creates a run (bench/run.sh, or a phase script started on its own) removes the database, every key of the prefix
# and every process it started when it exits, also on failure or Ctrl-C. Phase scripts started by another script of
# the run find it through BENCH_RUN_DIR.
# shellcheck disable=SC2034,SC2153 # settings used by the scripts that source this file; values read from state.env

# ---- settings -------------------------------------------------------------------------------------------------
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
# The JVM options as words (they are lists of options, split on spaces as a shell would).
read -r -a SERVICE_OPTS <<< "$SERVICE_JAVA_OPTS"
read -r -a PRODUCER_OPTS <<< "$PRODUCER_JAVA_OPTS"
read -r -a CONSUMER_OPTS <<< "$CONSUMER_JAVA_OPTS"
read -r -a LOADGEN_OPTS <<< "$LOADGEN_JAVA_OPTS"
read -r -a MAVEN_ARGS <<< "${BENCH_MAVEN_ARGS:-}"

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
PRODUCER_URL="http://127.0.0.1:$PRODUCER_PORT"
LOG_TAG="${LOG_TAG:-bench}"

if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
elif compgen -G "/usr/lib/jvm/temurin-25*/bin/java" > /dev/null; then
    JAVA="$(compgen -G "/usr/lib/jvm/temurin-25*/bin/java" | head -n 1)"
else
    JAVA="$(command -v java || true)"
fi
JCMD="$(dirname "$JAVA")/jcmd"
[[ -x "$JCMD" ]] || JCMD="$(command -v jcmd || true)"
TICKS=$(getconf CLK_TCK)

# ---- logging, servers ---------------------------------------------------------------------------------------------
log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}
redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }
pg() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -qtAX "$@"; }
delete_keys() { # pattern
    # SCAN, never KEYS or FLUSHALL: other users share this Redis.
    redis --scan --pattern "$1" | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" unlink > /dev/null
}
drop_database() { pg -d postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" > /dev/null 2>&1; }
require_tools() { # tool... -> dies naming every missing one (the JDK included)
    local missing=() tool
    [[ -x "$JAVA" ]] || missing+=("a JDK 17+ (set JAVA_HOME)")
    for tool in "$@"; do
        command -v "$tool" > /dev/null || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        die "missing: ${missing[*]} (Debian: apt-get install wrk redis-tools postgresql-client curl)"
    fi
    redis ping > /dev/null 2>&1 || die "no Redis at $REDIS_HOST:$REDIS_PORT"
    pg -d postgres -c 'select 1' > /dev/null 2>&1 || die "no PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
}
maven_package() { # folder log-file maven-option... -> jars of that checkout, tests skipped
    local dir="$1" out="$2"
    shift 2
    (cd "$dir" && ./mvnw -B -q "${MAVEN_ARGS[@]}" "$@" -DskipTests package) > "$out" 2>&1 || die "build failed, see $out"
}

# ---- processes: every one a run starts is tracked by pid and start time, so clean-up stops exactly those -------
proc_start() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2> /dev/null || true; } # pid -> start time
track() { echo "$1 $2 $(proc_start "$2")" >> "$WORK/pids"; }                                  # name pid
untrack() { if [[ -f "$WORK/pids" ]]; then sed -i "/^[^ ]* $1 /d" "$WORK/pids"; fi; }         # pid
stop_pid() {                                                                                  # pid: SIGTERM, SIGKILL after 20 s
    local pid="$1"
    [[ -n "$pid" ]] && kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2> /dev/null || true
}
stop_tracked() {
    stop_pid "$1"
    untrack "$1"
}         # pid
alive() { # name pid: stop the run if the service died (an OOM leaves a heap dump in $WORK)
    kill -0 "$2" 2> /dev/null || die "$1 (pid $2) is no longer running: $(tail -n 3 "$WORK/$1.log" | tr '\n' ' ')"
}

# ---- the run --------------------------------------------------------------------------------------------------
# state.env: one `NAME=value` line per setting a phase leaves for later ones; the last line of a name wins.
state_set() { # name value...
    local name="$1"
    shift
    printf -v "$name" '%s' "$*"
    printf '%s=%q\n' "$name" "$*" >> "$WORK/state.env"
}
state_load() { # shellcheck source=/dev/null
    source "$WORK/state.env"
}
run_create() { # a new run, removed when this script exits
    require_tools wrk redis-cli redis-benchmark psql curl awk
    local port
    for port in "$PRODUCER_PORT" "$CONSUMER_PORT"; do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
            die "port $port is in use (set BENCH_PRODUCER_PORT / BENCH_CONSUMER_PORT)"
        fi
    done
    RUN_ID="$(date +%Y%m%d%H%M%S)-$$"
    WORK="$ROOT/bench/work/$RUN_ID"
    mkdir -p "$WORK" "$ROOT/bench/results"
    : > "$WORK/state.env"
    state_set ROOT "$ROOT"
    state_set WORK "$WORK"
    state_set RUN_ID "$RUN_ID"
    state_set DB "bench_${RUN_ID//-/_}"
    state_set PREFIX "bench-$RUN_ID"
    # The producer's admin token (POST /events needs it): new for every run.
    state_set ADMIN_TOKEN "bench-admin-$RUN_ID-$RANDOM$RANDOM"
    run_files
    printf '%s\n' "$PREFIX:*" "$PREFIX-cold-*" > "$WORK/key-patterns"
    echo "$DB" > "$WORK/databases"
    JDBC_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB"
    log "run $RUN_ID: database $DB, key prefix $PREFIX, logs in $WORK, java $JAVA"
    trap run_cleanup EXIT
    trap 'exit 130' INT TERM

    if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
        log "building the jars (tests skipped)"
        # The producer's benchmark profile holds the no-op endpoint.
        maven_package "$ROOT" "$WORK/build.log" -Pbench -pl producer-service,consumer-service,load-generator -am
    fi
    local jar
    for jar in producer-service/target/producer-service.jar consumer-service/target/consumer-service.jar \
        load-generator/target/load-generator.jar; do
        [[ -f "$ROOT/$jar" ]] || die "$jar missing (run without BENCH_SKIP_BUILD)"
        cp "$ROOT/$jar" "$WORK/" # a private copy: a rebuild during the run cannot change what runs
    done
    pg -d postgres -c "CREATE DATABASE \"$DB\"" > /dev/null
}
run_attach() { # the run of BENCH_RUN_DIR
    WORK="$BENCH_RUN_DIR"
    [[ -f "$WORK/state.env" ]] || die "BENCH_RUN_DIR=$WORK holds no run (state.env missing)"
    state_load
    JDBC_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB"
}
run_files() { # the lists of what the clean-up removes: processes (track), key patterns, databases
    : > "$WORK/pids"
    : > "$WORK/key-patterns"
    : > "$WORK/databases"
}
run_cleanup() {
    set +e
    local name pid start pattern db
    # last started first; a frozen consumer is thawed so that it can stop
    while read -r name pid start; do
        [[ -n "$pid" && "$(proc_start "$pid")" == "$start" ]] || continue
        kill -CONT "$pid" 2> /dev/null
        stop_pid "$pid"
    done < <(tac "$WORK/pids" 2> /dev/null)
    while read -r pattern; do delete_keys "$pattern"; done < "$WORK/key-patterns"
    while read -r db; do drop_database "$db"; done < "$WORK/databases"
    rm -f "$WORK"/*.jar
    rm -rf "$WORK"/aot-producer-service "$WORK"/aot-consumer-service # extracted jars and caches, ~300 MB
    log "removed database $(paste -sd ' ' "$WORK/databases") and keys $(paste -sd ' ' "$WORK/key-patterns")"
}

# ---- phases -----------------------------------------------------------------------------------------------------
# Each phase script calls phase_begin first and phase_end last. Started by bench/run.sh (or another phase), it works
# in that run; started on its own, it creates a run, runs the phases it needs first, and prints its rows of the
# results table at the end.
phase_begin() {
    PHASE_ID="$(basename "$0" .sh)"
    PHASE_ID="${PHASE_ID%%-*}"
    if [[ -n "${BENCH_RUN_DIR:-}" ]]; then
        run_attach
        PHASE_OWNS_RUN=0
    else
        run_create
        export BENCH_RUN_DIR="$WORK"
        PHASE_OWNS_RUN=1
    fi
}
phase_requires() { # phase script name... (e.g. 06-accept-path): run each one first unless this run has run it
    local phase done_flag
    for phase in "$@"; do
        done_flag="DONE_${phase%%-*}"
        [[ -n "${!done_flag:-}" ]] && continue
        BENCH_RUN_DIR="$WORK" "$BENCH_DIR/phases/$phase.sh"
        state_load
    done
}
phase_end() {
    state_set "DONE_$PHASE_ID" 1
    if [[ "$PHASE_OWNS_RUN" == 1 ]]; then
        results_table
    fi
}

# ---- services -------------------------------------------------------------------------------------------------
service_env() { # -> the environment of both services, in the array SERVICE_ENV
    SERVICE_ENV=(SPRING_DATASOURCE_URL="$JDBC_URL" SPRING_DATASOURCE_USERNAME="$PG_USER"
        SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT"
        RESERVATION_QUEUE_KEY_PREFIX="$PREFIX" RESERVATION_QUEUE_SHARDS="$SHARDS")
}
start_producer() {
    service_env
    # A queue bound above the backlog of (e): this run measures throughput, not backpressure.
    env "${SERVICE_ENV[@]}" SERVER_PORT="$PRODUCER_PORT" RESERVATION_BENCH_NOOP_ENDPOINT=true \
        RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" \
        RESERVATION_API_MAX_QUEUE_DEPTH=10000000 \
        "$JAVA" "${SERVICE_OPTS[@]}" "${PRODUCER_OPTS[@]}" -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK" \
        -jar "$WORK/producer-service.jar" \
        >> "$WORK/producer.log" 2>&1 &
    state_set PRODUCER_PID $!
    track producer "$PRODUCER_PID"
    echo "$PRODUCER_PID" > "$WORK/producer.pid"
}
start_consumer() {
    service_env
    env "${SERVICE_ENV[@]}" SERVER_PORT="$CONSUMER_PORT" \
        "$JAVA" "${SERVICE_OPTS[@]}" "${CONSUMER_OPTS[@]}" -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK" \
        -jar "$WORK/consumer-service.jar" >> "$WORK/consumer.log" 2>&1 &
    state_set CONSUMER_PID $!
    track consumer "$CONSUMER_PID"
    echo "$CONSUMER_PID" > "$WORK/consumer.pid"
}
await_healthy() { # name port pid
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
rss_kb() { # pid-file -> RSS in KiB of that process, nothing if there is none
    local pid
    pid="$(cat "$1" 2> /dev/null || true)"
    if [[ -n "$pid" ]]; then ps -o rss= -p "$pid" 2> /dev/null | tr -d ' ' || true; fi
}
# RSS of both services every half second; the maximum is kept per process name.
sample_rss() {
    local max_p=0 max_c=0 rss
    while true; do
        rss="$(rss_kb "$WORK/producer.pid")"
        [[ -n "$rss" ]] && ((rss > max_p)) && max_p=$rss && echo "$max_p" > "$WORK/rss-producer.kb"
        rss="$(rss_kb "$WORK/consumer.pid")"
        [[ -n "$rss" ]] && ((rss > max_c)) && max_c=$rss && echo "$max_c" > "$WORK/rss-consumer.kb"
        sleep 0.5
    done
}
producer_up() { # the run's producer, started (with the RSS sampler) unless it runs already
    [[ -n "${PRODUCER_PID:-}" ]] && kill -0 "$PRODUCER_PID" 2> /dev/null && return 0
    start_producer
    await_healthy producer "$PRODUCER_PORT" "$PRODUCER_PID"
    sample_rss > /dev/null 2>&1 &
    state_set SAMPLER_PID $!
    track sampler "$SAMPLER_PID"
    log "producer up (pid $PRODUCER_PID)"
}
consumer_up() { # the run's consumer, started unless it runs already
    [[ -n "${CONSUMER_PID:-}" ]] && kill -0 "$CONSUMER_PID" 2> /dev/null && return 0
    start_consumer
    await_healthy consumer "$CONSUMER_PORT" "$CONSUMER_PID"
    log "consumer up (pid $CONSUMER_PID)"
}

# ---- measuring --------------------------------------------------------------------------------------------------
profile_top() { # tag pid: with BENCH_PROFILE=1, per-thread CPU of that process over 4 s, in the background
    [[ "${BENCH_PROFILE:-0}" == 1 ]] || return 0
    (
        sleep 1
        top -H -b -w 200 -d 4 -n 2 -p "$2" > "$WORK/top-threads-$1.txt" 2>&1
    ) > /dev/null 2>&1 &
    track top "$!"
}
# The machine may be shared: per-process CPU over 4 s of each measured phase shows what else ran meanwhile.
watch_others() { # tag
    (
        sleep 2
        top -b -w 300 -d 4 -n 2 > "$WORK/top-processes-$1.txt" 2>&1
    ) > /dev/null 2>&1 &
    track top "$!"
}
others_cpu() { # tag -> %CPU (100 = one core) of processes that are not part of the benchmark, in top's last sample
    [[ -f "$WORK/top-processes-$1.txt" ]] || {
        echo "?"
        return 0
    }
    awk -v p="$PRODUCER_PID" -v c="${CONSUMER_PID:-x}" '
        /^top -/ { n++; sum = 0; next }
        n == 2 && $1 ~ /^[0-9]+$/ && $1 != p && $1 != c && $12 !~ /^(wrk|redis-ser|postgres|top|redis-ben)/ { sum += $9 }
        END { printf "%.0f", sum }' "$WORK/top-processes-$1.txt"
}
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
        -s "$BENCH_DIR/wrk/reserve.lua" "$PRODUCER_URL" > "$WORK/wrk-$1.txt" 2>&1
    grep '^BENCH ' "$WORK/wrk-$1.txt" || die "wrk gave no result, see $WORK/wrk-$1.txt"
}
field() { # line key -> value
    tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}
prop() { awk -F= -v k="$2" '$1 == k { print $2 }' "$1"; } # properties-file key -> value
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "ge") ? (v >= t) : (v < t); print ok ? "yes" : "**no**" }'; }
verdict_if() { # value threshold ge|lt -> as verdict, or "-" where there is no value ("?" or "-")
    if [[ "$1" == "?" || "$1" == - ]]; then echo '-'; else verdict "$@"; fi
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
accepted() { echo $(($(field "$1" requests) - $(field "$1" non2xx))); } # wrk line -> 2xx answers (202 here)
await_drained() {                                                       # event id -> seconds from first decision to drained (prints progress)
    local event="$1" start now first="" depth initial
    start=$(date +%s.%N)
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
        -s "$BENCH_DIR/wrk/reserve.lua" "$PRODUCER_URL" > "$WORK/wrk-$3.txt" 2>&1 &
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
# Each of C paced connections waits 10 ms before each request, so C connections send about C / (10 ms + latency):
# C = rate x 12 ms assumes answers of about 2 ms. A closed loop per connection: slow answers lower the rate instead of
# queueing, so the achieved rate is reported next to the p99.
half_rate() { # -> HALF_RATE (half of (c)'s requests/s) and PACED_CONNECTIONS (wrk connections that pace it)
    ACCEPT_RPS=$(field "$ACCEPT" rps)
    HALF_RATE=$((ACCEPT_RPS / 2))
    PACED_CONNECTIONS=$((HALF_RATE * 12 / 1000))
    # wrk needs at least one connection per thread
    ((PACED_CONNECTIONS >= WRK_THREADS)) || PACED_CONNECTIONS=$WRK_THREADS
}
load_generator() { # tag load-generator-option... -> $WORK/<tag>.md, .properties, .err; its exit status in <TAG>_EXIT
    local tag="$1" status
    shift
    set +e
    RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" "$JAVA" "${LOADGEN_OPTS[@]}" -jar "$WORK/load-generator.jar" \
        --url "$PRODUCER_URL" "$@" --wait-timeout 120 --report "$WORK/$tag.properties" > "$WORK/$tag.md" 2> "$WORK/$tag.err"
    status=$?
    set -e
    [[ -f "$WORK/$tag.properties" ]] || die "load generator failed (exit $status), see $WORK/$tag.err"
    return "$status"
}

# ---- results ----------------------------------------------------------------------------------------------------
cold_get() {
    local name="COLD_${1}_$2"
    echo "${!name:-}"
}                # variant name -> a figure of (k)
describe_run() { # the paragraph under each results title
    local cpu_model
    cpu_model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2> /dev/null || echo ' (with uncommitted changes)');" \
        "$(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM;" \
        "$("$JAVA" -version 2>&1 | head -n 1); Redis $(redis info server | awk -F: '/redis_version/ { print $2 }' | tr -d '\r');" \
        "$(pg -d postgres -c 'SHOW server_version')." \
        "Producer, consumer, Redis, PostgreSQL, wrk and the load generator share these CPUs, on loopback."
}
cold_rows() { # the (k) rows of the results table
    local v label rss
    [[ -n "${COLD_NOTE:-}" ]] && echo "| k | AOT cache variant | $COLD_NOTE | | |"
    for v in ${COLD_VARIANTS:-}; do
        label=$([[ "$v" == aot ]] && echo "with the AOT cache$(cold_get "$v" note)" || echo "no AOT cache")
        rss=$(cold_get "$v" rss)
        echo "| k | New producer JVM, $label: process start to readiness (s) | $(cold_get "$v" ready) | | |"
        echo "| k | Accepted/s, first ${COLD_WINDOW} s / first $((2 * COLD_WINDOW)) s after readiness / steady state (${WRK_SECONDS} s after $((2 * COLD_WINDOW + WARMUP_SECONDS)) s) | $(cold_get "$v" first1) / $(cold_get "$v" first2) / $(cold_get "$v" steady) | | |"
        echo "| k | First ${COLD_WINDOW} s / first $((2 * COLD_WINDOW)) s as a share of the steady state; p99 of the first ${COLD_WINDOW} s (ms) | $(cold_get "$v" share1) / $(cold_get "$v" share2); $(cold_get "$v" p99_1) | as warm (1.00) | |"
        echo "| k | Bytes allocated per accepted request, steady state (jvm_gc_memory_allocated_bytes_total between two forced GCs) | $(cold_get "$v" alloc) | | |"
        echo "| k | Peak RSS of this producer (VmHWM, MiB) | $rss | < 512 | $(verdict_if "$rss" 512 lt) |"
        echo "| k | New consumer JVM, $([[ "$v" == aot ]] && echo "with the AOT cache$(cold_get "$v" c_note)" || echo "no AOT cache"), on $(cold_get "$v" decided) queued jobs (one event, capacity $HOT_CAPACITY): start to readiness / first decision / empty queue (s) | $(cold_get "$v" c_ready) / $(cold_get "$v" c_first) / $(cold_get "$v" c_empty) | | |"
        echo "| k | Same consumer: decisions/s (decidedAt span $(cold_get "$v" span) s); confirmed; peak RSS (MiB) | $(cold_get "$v" c_rate); $(cold_get "$v" confirmed); $(cold_get "$v" c_rss) | | |"
    done
}
await_samplers() { # the background top samples of the phases, finished (each takes about 10 s)
    local name pid start
    while read -r name pid start; do
        [[ "$name" == top ]] || continue
        for _ in $(seq 1 150); do
            [[ "$(proc_start "$pid")" == "$start" ]] || break
            sleep 0.1
        done
    done < "$WORK/pids"
}
ran() {
    local flag="DONE_$1"
    [[ -n "${!flag:-}" ]]
}                 # phase number -> whether this run has run it
results_table() { # the results of the phases this run has run, as markdown
    await_samplers
    local rss_max r d d2 f section phase file title
    [[ -n "${ACCEPT:-}" ]] && half_rate
    echo "# Benchmark run $RUN_ID"
    echo
    describe_run
    if ran 04 || ran 06 || ran 09; then
        echo "CPU used by processes outside the benchmark (other builds on a shared machine; 100 = one core), sampled over 4 s" \
            "of each phase: (a) $(others_cpu noop)%, (c) $(others_cpu accept)%, (e) $(others_cpu backlog)%."
    fi
    echo "Services: \`$SERVICE_JAVA_OPTS\`${PRODUCER_JAVA_OPTS:+ (producer also \`$PRODUCER_JAVA_OPTS\`)}, $SHARDS shards. wrk: $WRK_THREADS threads, $WRK_CONNECTIONS connections, ${WRK_SECONDS}s after ${WARMUP_SECONDS}s warm-up."
    echo
    echo "| # | Measurement | Result | Target | Met |"
    echo "|---|---|---|---|---|"
    if ran 04; then
        echo "| a | No-op endpoint (wrk): requests/s | $(field "$NOOP" rps) | reference | |"
        echo "| a | Producer CPU during (a), of $((WRK_SECONDS * $(nproc))) s available | ${NOOP_CPU} s | | |"
        echo "| a | No-op endpoint latency p50 / p99 / p99.9 (ms) | $(ms "$(field "$NOOP" p50_us)") / $(ms "$(field "$NOOP" p99_us)") / $(ms "$(field "$NOOP" p999_us)") | | |"
    fi
    ran 05 && echo "| b | Redis LPUSH/s, $REDIS_CLIENTS clients, no pipelining / pipeline $REDIS_PIPELINE | $LPUSH_1 / $LPUSH_P | reference | |"
    if ran 06; then
        echo "| c | Accept path (wrk, capacity 1,000,000): requests/s | $ACCEPT_RPS | | |"
        echo "| c | Accept path latency p50 / p99 / p99.9 (ms) | $(ms "$(field "$ACCEPT" p50_us)") / $(ms "$(field "$ACCEPT" p99_us)") / $(ms "$(field "$ACCEPT" p999_us)") | | |"
        echo "| c | Accept path non-2xx answers / socket errors | $(field "$ACCEPT" non2xx) / $(($(field "$ACCEPT" connect_errors) + $(field "$ACCEPT" read_errors) + $(field "$ACCEPT" write_errors) + $(field "$ACCEPT" timeouts))) | 0 | |"
        echo "| c | Producer CPU during (c), of $((WRK_SECONDS * $(nproc))) s available | ${ACCEPT_CPU} s | | |"
    fi
    if ran 04 && ran 06; then
        r=$(awk -v a="$ACCEPT_RPS" -v b="$(field "$NOOP" rps)" 'BEGIN { printf "%.2f", a / b }')
        echo "| c/a | Accept path / no-op endpoint, (c) over (a) | $r | ≥ 0.80 | $(verdict "$r" 0.8 ge) |"
    fi
    if ran 05 && ran 06; then
        # the accept path against the second ceiling: what share of the LPUSHes Redis takes from 50 clients it reaches
        r=$(awk -v a="$ACCEPT_RPS" -v p="$LPUSH_1" -v q="$LPUSH_P" \
            'BEGIN { if (p > 0 && q > 0) printf "%.2f / %.3f", a / p, a / q; else print "-" }')
        echo "| c/b | Accept path / Redis LPUSH/s, (c) over (b), no pipelining / pipeline $REDIS_PIPELINE (each accepted request is a share of one script run, not one LPUSH) | $r | reference | |"
    fi
    ran 03 && echo "| h | Accept path / no-op endpoint, median of the $CPU_ROUNDS alternating rounds of (h) (each round: $ROUND_RATIOS) | $ROUND_MEDIAN | ≥ 0.80 | $(verdict_if "$ROUND_MEDIAN" 0.8 ge) |"
    d="$WORK/half-rate.properties"
    if ran 10; then
        echo "| d | POST p99 at $HALF_RATE requests/s (50% of c), open loop, ${HALF_RATE_SECONDS}s (ms) | $(prop "$d" post_latency_p99_ms) | < 10 | $(verdict "$(prop "$d" post_latency_p99_ms)" 10 lt) |"
        echo "| d | p50 / p99.9 / max (ms); invariant check | $(prop "$d" post_latency_p50_ms) / $(prop "$d" post_latency_p999_ms) / $(prop "$d" post_latency_max_ms); $(prop "$d" invariant_check) | PASS | |"
        echo "| d | Achieved answers/s; CPU over the ${HALF_WALL} s of (d), of $(awk -v w="$HALF_WALL" -v n="$(nproc)" 'BEGIN { printf "%.0f", w * n }') s available | $(prop "$d" answers_s); $HALF_CPU, load generator $(prop "$d" load_generator_cpu_s) s | | |"
    fi
    if ran 12; then
        echo "| d3 | POST p99 at $HALF_RATE requests/s (50% of c), wrk paced ($PACED_CONNECTIONS connections, 10 ms between requests), ${HALF_RATE_SECONDS}s (ms) | $(ms "$(field "$PACED" p99_us)") | < 10 | $(verdict "$(ms "$(field "$PACED" p99_us)")" 10 lt) |"
        echo "| d3 | Achieved requests/s; p50 / p99.9 / max (ms); non-2xx | $(field "$PACED" rps); $(ms "$(field "$PACED" p50_us)") / $(ms "$(field "$PACED" p999_us)") / $(ms "$(field "$PACED" max_us)"); $(field "$PACED" non2xx) | | |"
    fi
    if ran 07; then
        echo "| d4 | POST p99 at $HALF_RATE requests/s (50% of c), wrk paced as (d3), producer alone (no consumer running) (ms) | $(ms "$(field "$PACED_ALONE" p99_us)") | < 10 | $(verdict "$(ms "$(field "$PACED_ALONE" p99_us)")" 10 lt) |"
        echo "| d4 | Achieved requests/s; p50 / p99.9 / max (ms); non-2xx | $(field "$PACED_ALONE" rps); $(ms "$(field "$PACED_ALONE" p50_us)") / $(ms "$(field "$PACED_ALONE" p999_us)") / $(ms "$(field "$PACED_ALONE" max_us)"); $(field "$PACED_ALONE" non2xx) | | |"
    fi
    d2="$WORK/low-rate.properties"
    if ran 11; then
        echo "| d2 | POST p99 at $LOW_RATE requests/s, open loop, ${HALF_RATE_SECONDS}s (ms) | $(prop "$d2" post_latency_p99_ms) | < 10 | $(verdict "$(prop "$d2" post_latency_p99_ms)" 10 lt) |"
        echo "| d2 | p50 / p99.9 / max (ms); achieved answers/s; load generator CPU (s); invariant check | $(prop "$d2" post_latency_p50_ms) / $(prop "$d2" post_latency_p999_ms) / $(prop "$d2" post_latency_max_ms); $(prop "$d2" answers_s); $(prop "$d2" load_generator_cpu_s); $(prop "$d2" invariant_check) | | |"
    fi
    if ran 09; then
        r=$(rate "$HOT_DECIDED" "$HOT_SPAN")
        echo "| e | Worker ($WORKER_KIND): $HOT_DECIDED jobs on one event of capacity $HOT_CAPACITY, decisions/s (decidedAt span ${HOT_SPAN}s) | $r | ≥ 20,000 | $(verdict "${r/-/0}" 20000 ge) |"
        echo "| e | Worker: same, wall clock from first decision to empty queue (${HOT_DRAIN_S}s) | $(rate "$HOT_DECIDED" "$HOT_DRAIN_S") | | |"
        echo "| e | Confirmed / event reserved; synchronous_commit | $HOT_CONFIRMED / $HOT_RESERVED; $SYNC_COMMIT | $HOT_CAPACITY | |"
    fi
    ran 08 && echo "| e' | Worker: the $OPEN_DECIDED jobs of (c), all CONFIRMED, decisions/s (decidedAt span) | $(rate "$OPEN_DECIDED" "$OPEN_SPAN") | | |"
    f="$WORK/burst.properties"
    if ran 13; then
        echo "| f | Burst: requests; answers/s; accepted/s | $(prop "$f" requests); $(prop "$f" answers_s); $(prop "$f" accepted_s) | | |"
        echo "| f | Burst POST latency p50 / p99 / p99.9 / max (ms) | $(prop "$f" post_latency_p50_ms) / $(prop "$f" post_latency_p99_ms) / $(prop "$f" post_latency_p999_ms) / $(prop "$f" post_latency_max_ms) | | |"
        echo "| f | Burst: first request to all decided (s); decisions/s; accept→decision p50 / p99 (ms) | $(prop "$f" first_request_to_all_decided_s); $(prop "$f" decisions_s_decidedat_span); $(prop "$f" accept_to_decision_p50_ms) / $(prop "$f" accept_to_decision_p99_ms) | | |"
        echo "| f | Burst invariant check | $(prop "$f" invariant_check) | PASS | $([[ $BURST_EXIT == 0 ]] && echo yes || echo '**no**') |"
    fi
    if ran 14; then
        rss_max=$((RSS_P > RSS_C ? RSS_P : RSS_C))
        echo "| g | Max RSS producer / consumer (MiB) | $RSS_P / $RSS_C | < 512 each | $(verdict "$rss_max" 512 lt) |"
    fi
    cold_rows
    echo
    if [[ -f "$WORK/cpu-rounds.md" ]]; then
        echo "## (h) CPU per answered request, ${CPU_SECONDS}s rounds, the two endpoints alternately"
        echo
        cat "$WORK/cpu-rounds.md"
        echo
    fi
    for section in "10 half-rate (d) load generator, open loop" \
        "11 low-rate (d2) load generator, open loop at $LOW_RATE requests/s" \
        "13 burst (f) load generator, end-to-end burst"; do
        read -r phase file title <<< "$section"
        ran "$phase" || continue
        echo "## $title"
        echo
        cat "$WORK/$file.md"
    done
}
