#!/usr/bin/env bash
# (d4) p99 at half of (c)'s rate, the producer alone: wrk paced as in (d3), before any consumer runs, so the latency
# of the accept path itself, without the worker and PostgreSQL taking turns on the same cores (in production they
# run elsewhere).
# Needs (c)'s rate and no consumer running (run alone, it runs 02 and 06 first). Method and settings:
# docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up 06-accept-path
producer_up

half_rate
log "(d4) wrk paced, producer alone: $PACED_CONNECTIONS connections, 10 ms between requests (target $HALF_RATE/s) for ${HALF_RATE_SECONDS}s"
line=$(wrk_run paced-alone "/events/$OPEN_EVENT/reservations" "$HALF_RATE_SECONDS" 0 "$PACED_CONNECTIONS" 10)
state_set PACED_ALONE "$line"
log "(d4) $(field "$PACED_ALONE" rps) requests/s, p99 $(ms "$(field "$PACED_ALONE" p99_us)") ms"
alive producer "$PRODUCER_PID"
phase_end
