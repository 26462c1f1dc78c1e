#!/usr/bin/env bash
# Builds the JDK 25 AOT cache (JEP 483/514/515: loaded and linked classes plus method profiles) of one service.
#
#   scripts/aot-cache.sh SERVICE [OUT_DIR]      SERVICE = producer-service or consumer-service
#
# 1. Extracts SERVICE/target/SERVICE.jar (AOT_JAR) into OUT_DIR (default SERVICE/target/aot):
#    OUT_DIR/SERVICE.jar + OUT_DIR/lib/. The cache only works on this extracted form, not on the executable jar.
# 2. Training run in OUT_DIR: `java -XX:AOTCacheOutput=app.aot -jar SERVICE.jar` on a private port, against the
#    Redis and PostgreSQL named by the services' usual variables, waits until /actuator/health/readiness answers 200
#    (the service's own warm-up has then driven its hot path), then, for the producer and if wrk is installed, adds
#    AOT_LOAD_SECONDS of real reservation requests; stops it with SIGTERM and waits until the JVM has written
#    OUT_DIR/app.aot (JDK 25 records and assembles the cache in one step, as the JVM exits).
# 3. Start the service with the cache from OUT_DIR, on the same files: same JDK build (the same runtime image: a cache
#    made by a JDK is refused by a JRE of the same release, whose lib/modules differs), the same class path, given
#    relative to the working directory as in the training (the folder may move), and the same jars (size and mtime):
#      cd OUT_DIR && java -XX:AOTCache=app.aot -jar SERVICE.jar
#    A JVM that cannot use the cache says so in a warning and starts without it; -XX:AOTMode=on makes that an error.
#    On JDK 25 the cache cannot be used with ZGC (it can with G1, Serial and Parallel).
#
# The training leaves no data behind: it creates its own database (next to the one in SPRING_DATASOURCE_URL; the
# user needs CREATEDB) and uses its own Redis key prefix, and removes both at the end (SCAN + UNLINK, never
# FLUSHALL). With AOT_PRIVATE_SERVERS=1 it starts a throwaway redis-server and PostgreSQL of its own instead (on free
# ports, in a temporary folder; PostgreSQL as user postgres when run as root) and deletes them afterwards: the
# Dockerfile's training stage does this. Needs Java 25 or later (refuses older ones: Java 17-24 run the services
# without a cache), curl, psql, redis-cli; wrk optional; with AOT_PRIVATE_SERVERS=1 also redis-server and
# PostgreSQL's initdb and pg_ctl (AOT_PG_BIN [newest /usr/lib/postgresql/*/bin]).
#
# Environment (defaults in brackets):
#   JAVA [$JAVA_HOME/bin/java, else java]   AOT_JAR [SERVICE/target/SERVICE.jar]
#   SPRING_DATA_REDIS_HOST/PORT/PASSWORD [127.0.0.1/6379/-]
#   SPRING_DATASOURCE_URL [jdbc:postgresql://127.0.0.1:5432/postgres] (only its host, port and database to connect
#     to for CREATE DATABASE are used)  SPRING_DATASOURCE_USERNAME/PASSWORD [postgres/-]
#   AOT_JAVA_OPTS [-Xmx192m -XX:+ExitOnOutOfMemoryError] the training JVM's options (use the production ones)
#   AOT_PORT [a free port from 18590] the training service's HTTP port
#   AOT_LOAD_SECONDS [10] producer: seconds of wrk after readiness (0: none)
#   AOT_LOAD_CONNECTIONS [64]  AOT_LOAD_THREADS [2]
#   AOT_EXTRA_SECONDS [0] seconds to let the service run after readiness (and the load) before SIGTERM
#   AOT_WAIT_SECONDS [300] longest wait for readiness and for the cache to be written
#   AOT_EXTRACT [1] 0: OUT_DIR already holds the extracted application (OUT_DIR/AOT_APP_JAR and OUT_DIR/lib), as
#     the Dockerfile lays it out; only train
#   AOT_APP_JAR [file name of AOT_JAR] the application jar's name in OUT_DIR
set -euo pipefail

log() { printf '[aot-cache %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

SERVICE="${1:-}"
case "$SERVICE" in
    producer-service | consumer-service) ;;
    *) die "usage: $0 producer-service|consumer-service [OUT_DIR]" ;;
esac
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="${AOT_JAR:-$ROOT/$SERVICE/target/$SERVICE.jar}"
OUT="${2:-$ROOT/$SERVICE/target/aot}"
APP_JAR="${AOT_APP_JAR:-$(basename "$JAR")}"
JAVA_OPTS_TRAIN="${AOT_JAVA_OPTS:--Xmx192m -XX:+ExitOnOutOfMemoryError}"
LOAD_SECONDS="${AOT_LOAD_SECONDS:-10}"
LOAD_CONNECTIONS="${AOT_LOAD_CONNECTIONS:-64}"
LOAD_THREADS="${AOT_LOAD_THREADS:-2}"
EXTRA_SECONDS="${AOT_EXTRA_SECONDS:-0}"
WAIT_SECONDS="${AOT_WAIT_SECONDS:-300}"

# ---- Java 25 or later only --------------------------------------------------------------------------------------
if [[ -n "${JAVA:-}" ]]; then
    :
elif [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA="$(command -v java || true)"
fi
[[ -x "$JAVA" ]] || die "no java (set JAVA or JAVA_HOME to a JDK 25)"
java_feature="$("$JAVA" -XshowSettings:properties -version 2>&1 |
    awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]) }')"
if [[ -z "$java_feature" || "$java_feature" -lt 25 ]]; then
    die "$JAVA is Java ${java_feature:-?}: the AOT cache (-XX:AOTCacheOutput) needs Java 25 or later." \
        "Nothing was built; the services run without a cache on Java 17-24 (set JAVA or JAVA_HOME to a JDK 25)."
fi
for tool in curl psql redis-cli; do
    command -v "$tool" > /dev/null || die "missing: $tool (Debian: apt-get install curl postgresql-client redis-tools)"
done

# ---- extract ----------------------------------------------------------------------------------------------------
if [[ "${AOT_EXTRACT:-1}" != 0 ]]; then
    [[ -f "$JAR" ]] || die "$JAR missing (build it first: ./mvnw -B -q -DskipTests package)"
    rm -rf "$OUT"
    mkdir -p "$(dirname "$OUT")"
    "$JAVA" -Djarmode=tools -jar "$JAR" extract --destination "$OUT" > /dev/null ||
        die "could not extract $JAR"
    log "extracted $JAR into $OUT"
fi
[[ -f "$OUT/$APP_JAR" ]] || die "$OUT/$APP_JAR missing (AOT_EXTRACT=0 needs the extracted application there)"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT/app.aot" "$OUT/app.aot.config" "$OUT/app.aot.jvm"

port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
free_port() { # first free port from $1
    local port="$1"
    while ! port_free "$port"; do
        port=$((port + 1))
        ((port < $1 + 100)) || die "no free port in $1-$((port - 1))"
    done
    echo "$port"
}

# ---- throwaway servers (AOT_PRIVATE_SERVERS=1) ------------------------------------------------------------------
SERVERS=""
as_postgres() { # PostgreSQL refuses to run as root
    if [[ "$(id -u)" == 0 ]]; then "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- "$@"; else "$@"; fi
}
stop_servers() {
    [[ -n "$SERVERS" ]] || return 0
    if [[ -n "${SERVERS_REDIS_PID:-}" ]]; then
        kill -TERM "$SERVERS_REDIS_PID" 2> /dev/null
        wait "$SERVERS_REDIS_PID" 2> /dev/null
    fi
    [[ -f "$SERVERS/pg/postmaster.pid" ]] && as_postgres "$AOT_PG_BIN/pg_ctl" -D "$SERVERS/pg" -m immediate -w stop > /dev/null 2>&1
    rm -rf "$SERVERS"
    SERVERS=""
}
if [[ "${AOT_PRIVATE_SERVERS:-0}" == 1 ]]; then
    AOT_PG_BIN="${AOT_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)}"
    [[ -x "$AOT_PG_BIN/initdb" && -x "$AOT_PG_BIN/pg_ctl" ]] || die "no PostgreSQL server binaries (set AOT_PG_BIN)"
    command -v redis-server > /dev/null || die "missing: redis-server"
    SERVERS="$(mktemp -d /tmp/aot-servers.XXXXXX)"
    trap stop_servers EXIT
    [[ "$(id -u)" == 0 ]] && chown postgres "$SERVERS"
    SERVERS_REDIS_PORT=$(free_port 16390)
    redis-server --bind 127.0.0.1 --port "$SERVERS_REDIS_PORT" --save '' --appendonly no \
        --maxmemory-policy noeviction --dir "$SERVERS" > "$SERVERS/redis.log" 2>&1 &
    SERVERS_REDIS_PID=$!
    pg_port=$(free_port 15440)
    as_postgres "$AOT_PG_BIN/initdb" -D "$SERVERS/pg" -U postgres -A trust -E UTF8 --no-sync > "$SERVERS/initdb.log" 2>&1 ||
        die "initdb failed: $(tail -n 3 "$SERVERS/initdb.log")"
    as_postgres "$AOT_PG_BIN/pg_ctl" -D "$SERVERS/pg" -l "$SERVERS/pg.log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $pg_port -k $SERVERS -c fsync=off -c synchronous_commit=off" start > /dev/null ||
        die "PostgreSQL did not start: $(tail -n 3 "$SERVERS/pg.log")"
    for _ in $(seq 1 50); do
        redis-cli -h 127.0.0.1 -p "$SERVERS_REDIS_PORT" ping > /dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -h 127.0.0.1 -p "$SERVERS_REDIS_PORT" ping > /dev/null 2>&1 ||
        die "redis-server did not start: $(tail -n 3 "$SERVERS/redis.log")"
    export SPRING_DATA_REDIS_HOST=127.0.0.1 SPRING_DATA_REDIS_PORT="$SERVERS_REDIS_PORT" \
        SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$pg_port/postgres" SPRING_DATASOURCE_USERNAME=postgres
    unset SPRING_DATA_REDIS_PASSWORD SPRING_DATASOURCE_PASSWORD
    log "throwaway Redis on :$SERVERS_REDIS_PORT and PostgreSQL on :$pg_port in $SERVERS"
fi

# ---- a private database, key prefix, port and admin token -----------------------------------------------------
RUN_ID="$$-$RANDOM"
REDIS_HOST="${SPRING_DATA_REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${SPRING_DATA_REDIS_PORT:-6379}"
[[ -n "${SPRING_DATA_REDIS_PASSWORD:-}" ]] && export REDISCLI_AUTH="$SPRING_DATA_REDIS_PASSWORD"
redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }
redis ping > /dev/null 2>&1 || die "no Redis at $REDIS_HOST:$REDIS_PORT (SPRING_DATA_REDIS_HOST/PORT)"

BASE_URL="${SPRING_DATASOURCE_URL:-jdbc:postgresql://127.0.0.1:5432/postgres}"
[[ "$BASE_URL" =~ ^jdbc:postgresql://([^/:?]+)(:([0-9]+))?/([^?]*) ]] ||
    die "SPRING_DATASOURCE_URL=$BASE_URL: expected jdbc:postgresql://host[:port]/database"
PG_HOST="${BASH_REMATCH[1]}"
PG_PORT="${BASH_REMATCH[3]:-5432}"
PG_ADMIN_DB="${BASH_REMATCH[4]:-postgres}"
PG_USER="${SPRING_DATASOURCE_USERNAME:-postgres}"
[[ -n "${SPRING_DATASOURCE_PASSWORD:-}" ]] && export PGPASSWORD="$SPRING_DATASOURCE_PASSWORD"
pg() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_ADMIN_DB" -v ON_ERROR_STOP=1 -qtAX "$@"; }
pg -c 'select 1' > /dev/null 2>&1 || die "no PostgreSQL at $PG_HOST:$PG_PORT/$PG_ADMIN_DB as $PG_USER"
DB="aot_training_${RUN_ID//-/_}"
PREFIX="aot-training-$RUN_ID"

if [[ -n "${AOT_PORT:-}" ]]; then
    PORT="$AOT_PORT"
    port_free "$PORT" || die "port $PORT is in use (AOT_PORT)"
else
    PORT=$(free_port 18590)
fi
URL="http://127.0.0.1:$PORT"
TOKEN="aot-training-$RUN_ID-$RANDOM$RANDOM"
LOG="$OUT/aot-training.log"
WORK="$(mktemp -d)"

PID=""
cleanup() {
    set +e
    if [[ -n "$PID" ]] && kill -0 "$PID" 2> /dev/null; then
        kill -KILL "$PID" 2> /dev/null
        wait "$PID" 2> /dev/null
    fi
    redis --scan --pattern "$PREFIX:*" | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" unlink > /dev/null
    pg -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" > /dev/null 2>&1
    rm -rf "$WORK"
    stop_servers
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pg -c "CREATE DATABASE \"$DB\"" > /dev/null || die "could not create database $DB (the user needs CREATEDB)"

# ---- training run -----------------------------------------------------------------------------------------------
log "training $SERVICE on $("$JAVA" -version 2>&1 | sed -n 2p): port $PORT, database $DB, key prefix $PREFIX," \
    "options '$JAVA_OPTS_TRAIN', log $LOG"
started=$(date +%s%N)
# Relative paths, from OUT_DIR: the class path the cache records is the one the services start with.
(
    cd "$OUT"
    exec env SERVER_PORT="$PORT" \
        SPRING_DATASOURCE_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" SPRING_DATASOURCE_USERNAME="$PG_USER" \
        SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT" \
        RESERVATION_QUEUE_KEY_PREFIX="$PREFIX" RESERVATION_ADMIN_TOKEN="$TOKEN" \
        "$JAVA" $JAVA_OPTS_TRAIN -XX:AOTCacheOutput=app.aot -jar "$APP_JAR"
) > "$LOG" 2>&1 &
PID=$!

for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
    kill -0 "$PID" 2> /dev/null || die "$SERVICE exited during start-up: $(tail -n 5 "$LOG" | tr '\n' ' ')"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/actuator/health/readiness")" == 200 ]] && break
    sleep 0.2
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/actuator/health/readiness")" == 200 ]] ||
    die "$SERVICE not ready after $WAIT_SECONDS s, see $LOG"
log "ready after $(awk -v a="$started" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"

# The producer's hot path under load: POST /events/{id}/reservations with a new userId each time, and every
# tenth request a GET of the event or of the last reservation answered.
if [[ "$SERVICE" == producer-service && "$LOAD_SECONDS" -gt 0 ]]; then
    if command -v wrk > /dev/null; then
        event=$(curl -fsS --max-time 10 "$URL/events" -H 'Content-Type: application/json' \
            -H "Authorization: Bearer $TOKEN" -d '{"name":"aot-training","capacity":1000000}' |
            sed -E 's/.*"id":([0-9]+).*/\1/')
        [[ "$event" =~ ^[0-9]+$ ]] || die "could not create the training event"
        cat > "$WORK/train.lua" << 'LUA'
local event = os.getenv("AOT_EVENT")
local post_path = "/events/" .. event .. "/reservations"
local headers = { ["Content-Type"] = "application/json" }
local threads, counter, base, last = {}, 0, 0, nil
function setup(thread) thread:set("base", (#threads + 1) * 100000000); table.insert(threads, thread) end
function request()
   counter = counter + 1
   if counter % 10 == 0 then return wrk.format("GET", "/events/" .. event) end
   if counter % 10 == 5 and last then return wrk.format("GET", last) end
   return wrk.format("POST", post_path, headers, '{"userId":"u' .. (base + counter) .. '"}')
end
function response(status, headers, body)
   if status == 202 then last = headers["Location"] or headers["location"] or last end
end
LUA
        log "wrk ${LOAD_SECONDS}s on event $event ($LOAD_CONNECTIONS connections)"
        AOT_EVENT="$event" wrk -t "$LOAD_THREADS" -c "$LOAD_CONNECTIONS" -d "${LOAD_SECONDS}s" --timeout 10s \
            -s "$WORK/train.lua" "$URL" > "$WORK/wrk.txt" 2>&1 || log "wrk failed: $(tail -n 3 "$WORK/wrk.txt")"
        log "wrk: $(awk '/Requests\/sec/ { print $2 " requests/s" } /Non-2xx/ { print "non-2xx " $NF }' "$WORK/wrk.txt" | paste -sd ' ')"
    else
        log "wrk not installed: no extra load (the cache then holds what start-up and the warm-up ran)"
    fi
fi
((EXTRA_SECONDS > 0)) && sleep "$EXTRA_SECONDS"

# ---- SIGTERM, then the JVM writes the cache ---------------------------------------------------------------------
log "SIGTERM; waiting for the JVM to write app.aot"
kill -TERM "$PID"
stopped=$(date +%s%N)
for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
    kill -0 "$PID" 2> /dev/null || break
    sleep 0.2
done
kill -0 "$PID" 2> /dev/null && die "$SERVICE still running $WAIT_SECONDS s after SIGTERM, see $LOG"
status=0
wait "$PID" || status=$?
PID=""
[[ -s "$OUT/app.aot" ]] || die "no $OUT/app.aot (exit status $status), see $LOG"
rm -f "$OUT/app.aot.config"
# Which java made it (scripts/run-pair.sh makes the cache again for another one).
"$JAVA" -version > "$OUT/app.aot.jvm" 2>&1
log "wrote $OUT/app.aot ($(du -m "$OUT/app.aot" | cut -f1) MB) in $(awk -v a="$stopped" -v b="$(date +%s%N)" \
    'BEGIN { printf "%.1f", (b - a) / 1e9 }') s after SIGTERM; start with:" \
    "(cd $OUT && java -XX:AOTCache=app.aot -jar $APP_JAR)"
