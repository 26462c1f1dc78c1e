#!/usr/bin/env bash
# Warm-up of both endpoints (no figures of its own): BENCH_WARMUP_SECONDS of wrk on the no-op endpoint, then on the
# accept path of a new event of capacity 1,000,000 (the "open event" later phases use). Both endpoints are warmed up
# before either is measured, so neither pays for the JIT of the shared stack.
# Alone: starts the producer. Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
producer_up

open_event=$(create_event bench-open 1000000)
state_set OPEN_EVENT "$open_event"
log "warm-up: ${WARMUP_SECONDS}s of wrk on each endpoint"
wrk_run noop-warmup /bench/noop/events/1/reservations "$WARMUP_SECONDS" > /dev/null
wrk_run accept-warmup "/events/$open_event/reservations" "$WARMUP_SECONDS" > /dev/null
alive producer "$PRODUCER_PID"
phase_end
