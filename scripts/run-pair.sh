#!/usr/bin/env bash
# Builds both services (unless SKIP_BUILD=1) and runs them in the foreground against the Redis and PostgreSQL
# named by the usual variables (defaults: 127.0.0.1:6379 and 127.0.0.1:5432, database and user postgres).
# Producer on :8080 (PRODUCER_PORT), consumer (Actuator only) on :8081 (CONSUMER_PORT). Ctrl-C stops both.
#
# JAVA: the java to run them with [$JAVA_HOME/bin/java, else java on the PATH]; Java 17 or later.
# JAVA_OPTS: options of both JVMs [-Xmx192m -XX:+UseSerialGC -XX:CICompilerCount=4 -XX:+ExitOnOutOfMemoryError, as
#   the benchmark runs them (bench/lib.sh)]; JAVA_OPTS= for the JVM's defaults. MALLOC_ARENA_MAX [2]. Why each:
#   docs/operations.md#jvm-settings.
# AOT_CACHE=1: on Java 25 or later, start each service from its extracted folder (SERVICE/target/aot) with the JDK's
#   AOT cache (-XX:AOTCache, JEP 483/514/515: classes already loaded and linked, method profiles), which shortens
#   the start and lets the warm-up get further in its time bound, for more RSS (docs/benchmark.md). The
#   caches are made first by scripts/aot-cache.sh (a training run of about a minute each, against the same Redis
#   and PostgreSQL, in a database and key prefix of its own that it removes) when missing, older than the jar, or
#   made by another java. On older Java it says so in one line and runs without.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    ./mvnw -B -q -DskipTests package
fi

if [ -n "${JAVA:-}" ]; then
    :
elif [ -n "${JAVA_HOME:-}" ]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=java
fi
JAVA_OPTS="${JAVA_OPTS--Xmx192m -XX:+UseSerialGC -XX:CICompilerCount=4 -XX:+ExitOnOutOfMemoryError}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
java_feature="$("$JAVA" -XshowSettings:properties -version 2>&1 |
    awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]) }')"

aot=0
if [ "${AOT_CACHE:-0}" = 1 ]; then
    if [ "${java_feature:-0}" -ge 25 ]; then
        aot=1
    else
        jdk25="$(compgen -G "/usr/lib/jvm/*-25*/bin/java" | head -n 1 || true)"
        echo "AOT_CACHE=1 skipped: $JAVA is Java ${java_feature:-?}, the AOT cache needs Java 25${jdk25:+ (e.g. JAVA=$jdk25)}; running without it"
    fi
fi

# The cache of SERVICE, made again when missing, older than the jar, or made by another java (the JVM would refuse it).
aot_dir() { echo "$1/target/aot"; }
if [ "$aot" = 1 ]; then
    java_version="$("$JAVA" -version 2>&1)"
    for service in consumer-service producer-service; do
        dir="$(aot_dir "$service")"
        if [ ! -s "$dir/app.aot" ] || [ "$service/target/$service.jar" -nt "$dir/app.aot" ] ||
            [ "$(cat "$dir/app.aot.jvm" 2> /dev/null)" != "$java_version" ]; then
            echo "$service: making its AOT cache in $dir (training run, about a minute)"
            JAVA="$JAVA" AOT_JAVA_OPTS="$JAVA_OPTS" scripts/aot-cache.sh "$service" "$dir"
        fi
    done
fi

pids=()
stop() {
    trap - INT TERM EXIT
    kill "${pids[@]}" 2> /dev/null || true
    wait "${pids[@]}" 2> /dev/null || true
}
trap stop INT TERM EXIT

start() { # service port
    if [ "$aot" = 1 ]; then
        # From the extracted folder: the cache holds the class path relative to it.
        (cd "$(aot_dir "$1")" && exec "$JAVA" $JAVA_OPTS -XX:AOTCache=app.aot -jar "$1.jar" --server.port="$2") &
    else
        "$JAVA" $JAVA_OPTS -jar "$1/target/$1.jar" --server.port="$2" &
    fi
    pids+=($!)
}
start consumer-service "${CONSUMER_PORT:-8081}"
start producer-service "${PRODUCER_PORT:-8080}"

echo "producer-service: http://localhost:${PRODUCER_PORT:-8080}   consumer-service health: http://localhost:${CONSUMER_PORT:-8081}/actuator/health"
# Whichever exits first (or Ctrl-C) stops the other.
wait -n "${pids[@]}"
