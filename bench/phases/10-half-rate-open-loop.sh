#!/usr/bin/env bash
# (d) p99 at half of (c)'s rate, open loop: the load generator for BENCH_HALF_RATE_SECONDS on a new event of capacity
# 1,000,000, consumer running, invariant check; and the CPU the services used meanwhile.
# Needs (c)'s rate (run alone, it runs 02 and 06 first) and starts the consumer if it is not running. Method and
# settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up 06-accept-path
producer_up
consumer_up

half_rate
requests=$((HALF_RATE * HALF_RATE_SECONDS))
alive producer "$PRODUCER_PID"
log "(d) load generator, open loop at $HALF_RATE requests/s for ${HALF_RATE_SECONDS}s ($requests requests)"
p0=$(cpu_s "$PRODUCER_PID")
c0=$(cpu_s "$CONSUMER_PID")
d0=$(date +%s.%N)
status=0
load_generator half-rate --create-events 1000000 --requests "$requests" --users "$requests" --malformed 0 \
    --rate "$HALF_RATE" --concurrency "$E2E_CONCURRENCY" || status=$?
state_set HALF_EXIT "$status"
state_set HALF_WALL "$(cpu_delta "$d0" "$(date +%s.%N)")"
state_set HALF_CPU "producer $(cpu_delta "$p0" "$(cpu_s "$PRODUCER_PID")") s, consumer $(cpu_delta "$c0" "$(cpu_s "$CONSUMER_PID")") s"
log "(d) p99 $(prop "$WORK/half-rate.properties" post_latency_p99_ms) ms, check $(prop "$WORK/half-rate.properties" invariant_check)"
phase_end
