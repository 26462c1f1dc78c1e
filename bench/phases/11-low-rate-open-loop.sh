#!/usr/bin/env bash
# (d2) p99 at a fixed lower rate, open loop: the load generator at BENCH_LOW_RATE, consumer running, invariant check.
# Needs the warm producer of 02 (run alone, it runs 02 first) and starts the consumer if it is not running. Method
# and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up
producer_up
consumer_up

requests=$((LOW_RATE * HALF_RATE_SECONDS))
log "(d2) load generator, open loop at $LOW_RATE requests/s for ${HALF_RATE_SECONDS}s"
status=0
load_generator low-rate --create-events 1000000 --requests "$requests" --users "$requests" --malformed 0 \
    --rate "$LOW_RATE" --concurrency "$E2E_CONCURRENCY" || status=$?
state_set LOW_EXIT "$status"
log "(d2) p99 $(prop "$WORK/low-rate.properties" post_latency_p99_ms) ms, check $(prop "$WORK/low-rate.properties" invariant_check)"
phase_end
