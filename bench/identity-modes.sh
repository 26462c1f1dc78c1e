#!/usr/bin/env bash
# What jwt identity mode costs on the accept path, and that body mode pays nothing for the security chain.
# See docs/benchmark.md, "Identity modes: what jwt costs".
#
# Three producers at once, each with a database and key prefix of its own, no consumer: main's build in body mode
# (built from `git archive` of BENCH_MAIN_DIR in the run's work directory: nothing is written there, nothing is
# installed), this branch in body mode, this branch in jwt mode (the JWK set of a key pair made for the run, served
# on loopback; one RS256 token per user, minted up front by bench/identity/MintTokens.java). After a warm-up, rounds
# of the load generator (closed loop, every request a distinct event-user pair drawn as usual, jwt mode: each with
# its user's token) against one producer after the other, the order rotating every round. Per round: accepted/s,
# POST latency p50/p99 (load generator), and the producer's CPU per request (utime+stime from /proc/<pid>/stat).
#
# Needs: Temurin 25 (JAVA_HOME or /usr/lib/jvm/temurin-25*), redis-cli, psql, curl, python3 (serves the JWK set).
# Settings (environment, defaults in brackets): BENCH_ROUNDS [5]  BENCH_WARMUP_ROUNDS [2]  BENCH_REQUESTS [20000]
#   BENCH_USERS [20000]  BENCH_CONCURRENCY [64]  BENCH_MAIN_DIR [/work/main]  BENCH_MAIN_REF [HEAD] (e.g. the
#   branch's merge base, to compare this change alone)  BENCH_MAVEN_ARGS (e.g. -o)
#   BENCH_SERVICE_JAVA_OPTS [as bench/run.sh]  BENCH_SKIP_BUILD=1
set -euo pipefail
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${BENCH_ROUNDS:-5}"
WARMUP_ROUNDS="${BENCH_WARMUP_ROUNDS:-2}"
REQUESTS="${BENCH_REQUESTS:-20000}"
USERS="${BENCH_USERS:-20000}"
CONCURRENCY="${BENCH_CONCURRENCY:-64}"
MAIN_DIR="${BENCH_MAIN_DIR:-/work/main}"
MAIN_REF="${BENCH_MAIN_REF:-HEAD}"
SERVICE_JAVA_OPTS="${BENCH_SERVICE_JAVA_OPTS:--Xmx192m -XX:+UseSerialGC -XX:CICompilerCount=4 -XX:+ExitOnOutOfMemoryError}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java"; fi
log() { echo "[identity-modes $(date +%T)] $*" >&2; }
die() { log "$*"; exit 1; }
redis() { redis-cli -h 127.0.0.1 -p 6379 "$@"; }
pg() { psql -h 127.0.0.1 -p 5432 -U postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }

RUN_ID="$(date +%Y%m%d%H%M%S)-$$"
WORK="$ROOT/bench/work/identity-$RUN_ID"
mkdir -p "$WORK/jwks"
ADMIN_TOKEN="bench-admin-$RUN_ID-$RANDOM$RANDOM"
NAMES=(main-body body jwt)
declare -A PORT=([main-body]=18180 [body]=18181 [jwt]=18182) PID=() JAR=()
JWKS_PORT=18189
JWKS_PID=""
db() { echo "bench_id_${RUN_ID//-/_}_${1//-/_}"; }
prefix() { echo "bench-id-$RUN_ID-$1"; }

stop_pid() {
    local pid="$1"
    [[ -n "$pid" ]] && kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || return 0; sleep 0.2; done
    kill -KILL "$pid" 2> /dev/null || true
}
cleanup() {
    set +e
    for name in "${NAMES[@]}"; do
        stop_pid "${PID[$name]:-}"
        redis --scan --pattern "$(prefix "$name"):*" | xargs -r -n 500 redis-cli -h 127.0.0.1 -p 6379 unlink > /dev/null
        pg -d postgres -c "DROP DATABASE IF EXISTS \"$(db "$name")\" WITH (FORCE)" > /dev/null 2>&1
    done
    stop_pid "$JWKS_PID"
    rm -rf "$WORK"/*.jar "$WORK/main-src" "$WORK/user-tokens.txt"
    log "removed the databases and keys of run $RUN_ID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build: this branch, and main from an archive of its HEAD ----------------------------------------------
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    log "building this branch's producer and load generator"
    ./mvnw -B -q ${BENCH_MAVEN_ARGS:-} -pl producer-service,load-generator -am -DskipTests package > "$WORK/build.log" 2>&1 \
        || die "build failed, see $WORK/build.log"
fi
cp producer-service/target/producer-service.jar "$WORK/producer-branch.jar"
cp load-generator/target/load-generator.jar "$WORK/load-generator.jar"
log "building main ($(git -C "$MAIN_DIR" rev-parse --short "$MAIN_REF")) in $WORK/main-src"
mkdir -p "$WORK/main-src"
git -C "$MAIN_DIR" archive "$MAIN_REF" | tar -x -C "$WORK/main-src"
(cd "$WORK/main-src" && ./mvnw -B -q ${BENCH_MAVEN_ARGS:-} -pl producer-service -am -DskipTests package) \
    > "$WORK/build-main.log" 2>&1 || die "main's build failed, see $WORK/build-main.log"
cp "$WORK/main-src/producer-service/target/producer-service.jar" "$WORK/producer-main.jar"
JAR=([main-body]="$WORK/producer-main.jar" [body]="$WORK/producer-branch.jar" [jwt]="$WORK/producer-branch.jar")

# ---- the issuer: a key pair, its JWK set on loopback, a token per user ---------------------------------------
NIMBUS="$(ls ~/.m2/repository/com/nimbusds/nimbus-jose-jwt/*/nimbus-jose-jwt-*.jar | grep -v sources | sort -V | tail -1)"
log "minting $USERS tokens"
"$JAVA" -cp "$NIMBUS" bench/identity/MintTokens.java "$WORK" "$USERS"
mv "$WORK/jwks.json" "$WORK/jwks/"
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/jwks" "$JWKS_PORT" > "$WORK/jwks.log" 2>&1 &
JWKS_PID=$!

# ---- the three producers ----------------------------------------------------------------------------------
for name in "${NAMES[@]}"; do
    pg -d postgres -c "CREATE DATABASE \"$(db "$name")\"" > /dev/null
    extra=()
    if [[ "$name" == jwt ]]; then
        extra=(RESERVATION_IDENTITY_MODE=jwt
            SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI="http://127.0.0.1:$JWKS_PORT/jwks.json")
    fi
    env SPRING_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:5432/$(db "$name")" SPRING_DATASOURCE_USERNAME=postgres \
        RESERVATION_QUEUE_KEY_PREFIX="$(prefix "$name")" SERVER_PORT="${PORT[$name]}" \
        RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" RESERVATION_API_MAX_QUEUE_DEPTH=10000000 "${extra[@]}" \
        "$JAVA" $SERVICE_JAVA_OPTS -jar "${JAR[$name]}" > "$WORK/producer-$name.log" 2>&1 &
    PID[$name]=$!
done
for name in "${NAMES[@]}"; do
    for i in $(seq 1 240); do
        curl -sf -o /dev/null "http://127.0.0.1:${PORT[$name]}/actuator/health/readiness" && break
        kill -0 "${PID[$name]}" 2> /dev/null || die "producer $name died, see $WORK/producer-$name.log"
        sleep 0.5
    done
    curl -sf -o /dev/null "http://127.0.0.1:${PORT[$name]}/actuator/health/readiness" || die "producer $name not ready"
    log "producer $name ready (pid ${PID[$name]})"
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ="$(getconf CLK_TCK)"
round() { # name tag -> "name accepted/s p50 p99 cpu-us-per-request"
    local name="$1" tag="$2" tokens=()
    [[ "$name" == jwt ]] && tokens=(--user-tokens "$WORK/user-tokens.txt")
    local before after
    before=$(ticks "${PID[$name]}")
    "$JAVA" -Xmx1g -jar "$WORK/load-generator.jar" --url "http://127.0.0.1:${PORT[$name]}" --create-events 1000000 \
        --requests "$REQUESTS" --users "$USERS" --concurrency "$CONCURRENCY" --malformed 0 --no-wait --progress off \
        --admin-token "$ADMIN_TOKEN" --report "$WORK/$tag-$name.properties" "${tokens[@]}" \
        > "$WORK/$tag-$name.md" 2> "$WORK/$tag-$name.err" || die "load generator failed, see $WORK/$tag-$name.err"
    after=$(ticks "${PID[$name]}")
    local p="$WORK/$tag-$name.properties"
    local accepted rate p50 p99
    accepted=$(grep -E '^accepted_202=' "$p" | cut -d= -f2 | tr -d ,)
    [[ "$accepted" == "$REQUESTS" ]] || die "$tag $name: $accepted of $REQUESTS accepted, see $WORK/$tag-$name.md"
    rate=$(grep -E '^accepted_s=' "$p" | cut -d= -f2 | tr -d ,)
    p50=$(grep -E '^post_latency_p50_ms=' "$p" | cut -d= -f2)
    p99=$(grep -E '^post_latency_p99_ms=' "$p" | cut -d= -f2)
    echo "$name $rate $p50 $p99 $(awk -v t=$((after - before)) -v hz="$HZ" -v n="$REQUESTS" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')"
}

for w in $(seq 1 "$WARMUP_ROUNDS"); do
    for name in "${NAMES[@]}"; do round "$name" "warmup$w" > /dev/null; log "warm-up $w: $name"; done
done
RESULTS="$WORK/rounds.txt"
: > "$RESULTS"
for r in $(seq 1 "$ROUNDS"); do
    order=("${NAMES[@]:$(( (r - 1) % 3 ))}" "${NAMES[@]:0:$(( (r - 1) % 3 ))}")
    for name in "${order[@]}"; do
        line=$(round "$name" "round$r")
        echo "$r $line" | tee -a "$RESULTS" >&2
    done
done

# ---- table ------------------------------------------------------------------------------------------------
{
    echo "main-body: $(git -C "$MAIN_DIR" rev-parse --short "$MAIN_REF"); body and jwt: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')."
    echo "Host: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) CPUs; $("$JAVA" -version 2>&1 | head -1)."
    echo "Services: \`$SERVICE_JAVA_OPTS\`; load generator closed loop, $CONCURRENCY in flight, $REQUESTS requests per round, $USERS users."
    echo
    echo "| Round | Producer | Accepted/s | p50 ms | p99 ms | CPU µs/request |"
    echo "|---|---|---|---|---|---|"
    awk '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$RESULTS"
    echo
    echo "Medians:"
    echo
    echo "| Producer | Accepted/s | p50 ms | p99 ms | CPU µs/request |"
    echo "|---|---|---|---|---|"
    for name in "${NAMES[@]}"; do
        med() { awk -v n="$name" -v c="$1" '$2 == n { print $c }' "$RESULTS" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
        echo "| $name | $(med 3) | $(med 4) | $(med 5) | $(med 6) |"
    done
} > "$WORK/result.md"
cat "$WORK/result.md"
}
