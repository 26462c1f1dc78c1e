#!/usr/bin/env bash
# Builds both services (unless SKIP_BUILD=1) and runs them in the foreground against the Redis and PostgreSQL
# named by the usual variables (defaults: 127.0.0.1:6379 and 127.0.0.1:5432, database and user postgres).
# Producer on :8080 (PRODUCER_PORT), consumer (Actuator only) on :8081 (CONSUMER_PORT). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -DskipTests package
fi

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

java ${JAVA_OPTS:-} -jar consumer-service/target/consumer-service.jar --server.port="${CONSUMER_PORT:-8081}" &
pids+=($!)
java ${JAVA_OPTS:-} -jar producer-service/target/producer-service.jar --server.port="${PRODUCER_PORT:-8080}" &
pids+=($!)

echo "producer-service: http://localhost:${PRODUCER_PORT:-8080}   consumer-service health: http://localhost:${CONSUMER_PORT:-8081}/actuator/health"
# Whichever exits first (or Ctrl-C) stops the other.
wait -n "${pids[@]}"
