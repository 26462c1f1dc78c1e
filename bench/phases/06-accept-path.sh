#!/usr/bin/env bash
# (c) The real accept path: BENCH_WRK_SECONDS of wrk on POST /events/{id}/reservations of the open event (capacity
# 1,000,000, so no 409), the consumer not running (it would compete for the same cores), and the producer's CPU.
# With BENCH_JFR=1 a JFR recording of the producer, with BENCH_PROFILE=1 top -H of its threads.
# Needs the warm producer of 02 (run alone, it runs 02 first). Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up
producer_up

log "(c) wrk ${WRK_SECONDS}s on POST /events/$OPEN_EVENT/reservations (capacity 1000000, consumer not running)"
if [[ "${BENCH_JFR:-0}" == 1 ]]; then
    "$JCMD" "$PRODUCER_PID" JFR.start name=bench settings=profile duration="${WRK_SECONDS}s" \
        filename="$WORK/producer-accept.jfr" > /dev/null
fi
profile_top accept "$PRODUCER_PID"
watch_others accept
p0=$(cpu_s "$PRODUCER_PID")
line=$(wrk_run accept "/events/$OPEN_EVENT/reservations" "$WRK_SECONDS")
state_set ACCEPT "$line"
state_set ACCEPT_CPU "$(cpu_delta "$p0" "$(cpu_s "$PRODUCER_PID")")"
log "(c) $ACCEPT"
alive producer "$PRODUCER_PID"
phase_end
