#!/usr/bin/env bash
# (a) Ceiling 1, the producer's HTTP stack alone: BENCH_WRK_SECONDS of wrk on the no-op endpoint (same parsing,
# validation and 202 body as the accept path, no Redis), and the producer's CPU meanwhile.
# Needs the warm producer of 02 (run alone, it runs 02 first). Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up
producer_up

log "(a) wrk ${WRK_SECONDS}s on the no-op endpoint"
watch_others noop
p0=$(cpu_s "$PRODUCER_PID")
line=$(wrk_run noop /bench/noop/events/1/reservations "$WRK_SECONDS")
state_set NOOP "$line"
state_set NOOP_CPU "$(cpu_delta "$p0" "$(cpu_s "$PRODUCER_PID")")"
log "(a) $NOOP"
phase_end
