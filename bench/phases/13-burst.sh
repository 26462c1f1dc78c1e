#!/usr/bin/env bash
# (f) End to end: a load generator burst (events of 500, 100 and 2,000 seats; BENCH_E2E_REQUESTS valid requests from
# BENCH_E2E_USERS users, BENCH_E2E_MALFORMED malformed, BENCH_E2E_CONCURRENCY in flight) with the invariant check.
# Needs the warm producer of 02 (run alone, it runs 02 first) and starts the consumer if it is not running. Method
# and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up
producer_up
consumer_up

alive producer "$PRODUCER_PID"
alive consumer "$CONSUMER_PID"
log "(f) load generator burst: $E2E_REQUESTS requests, $E2E_USERS users, $E2E_MALFORMED malformed, $E2E_CONCURRENCY in flight"
status=0
load_generator burst --create-events 500,100,2000 --requests "$E2E_REQUESTS" --users "$E2E_USERS" \
    --malformed "$E2E_MALFORMED" --concurrency "$E2E_CONCURRENCY" || status=$?
state_set BURST_EXIT "$status"
log "(f) $(prop "$WORK/burst.properties" invariant_check), exit $BURST_EXIT"
phase_end
