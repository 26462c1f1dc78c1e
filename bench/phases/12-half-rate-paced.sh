#!/usr/bin/env bash
# (d3) p99 at half of (c)'s rate, paced by wrk (each connection waits 10 ms before each request), consumer running.
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
log "(d3) wrk paced: $PACED_CONNECTIONS connections, 10 ms between requests (target $HALF_RATE/s) for ${HALF_RATE_SECONDS}s"
line=$(wrk_run paced "/events/$OPEN_EVENT/reservations" "$HALF_RATE_SECONDS" 0 "$PACED_CONNECTIONS" 10)
state_set PACED "$line"
log "(d3) $(field "$PACED" rps) requests/s, p99 $(ms "$(field "$PACED" p99_us)") ms"
phase_end
