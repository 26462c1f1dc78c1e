#!/usr/bin/env bash
# (b) Ceiling 2, Redis: redis-benchmark LPUSH of a job-sized value (about the size of one queued job), without and
# with pipelining, onto a list under the run's prefix, not redis-benchmark's default key "mylist": the server is
# shared.
# Needs only Redis. Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin

PAYLOAD="$(printf '%0160d' 0)"
rb() { # pipeline -> requests/s
    redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_REQUESTS" -c "$REDIS_CLIENTS" -P "$1" --csv \
        LPUSH "$PREFIX:redis-benchmark" "$PAYLOAD" 2> /dev/null | awk -F'"' 'NR == 2 { print $4 }'
    redis unlink "$PREFIX:redis-benchmark" > /dev/null
}
log "(b) redis-benchmark LPUSH, $REDIS_REQUESTS requests, $REDIS_CLIENTS clients"
state_set LPUSH_1 "$(rb 1)"
state_set LPUSH_P "$(rb "$REDIS_PIPELINE")"
log "(b) LPUSH/s: $LPUSH_1 (no pipelining), $LPUSH_P (pipeline $REDIS_PIPELINE)"
phase_end
