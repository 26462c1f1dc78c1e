#!/usr/bin/env bash
# (e) The worker on one hot event: the warm consumer is frozen while wrk queues a backlog for one event, then thawed to
# drain it (BENCH_COLD_WORKER=1: a new consumer JVM instead); decisions/s from the decided_at span and by wall clock.
# Needs the warm consumer of (e') (run alone, it runs 02, 06 and 08 first). Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up 06-accept-path 08-worker-many-seats
producer_up
consumer_up

if [[ "${BENCH_COLD_WORKER:-0}" == 1 ]]; then
    stop_tracked "$CONSUMER_PID"
    state_set WORKER_KIND "cold: new JVM"
else
    kill -STOP "$CONSUMER_PID"
    state_set WORKER_KIND "warm: frozen, then resumed"
fi
log "(e) consumer $WORKER_KIND; queueing $BACKLOG requests for one event of capacity $HOT_CAPACITY"
hot_event=$(create_event bench-hot "$HOT_CAPACITY")
fill_s=$(fill_queue "$hot_event" "$BACKLOG" backlog)
alive producer "$PRODUCER_PID"
hot_backlog=$(queue_depth "$hot_event")
sync_commit=$(pg -d "$DB" -c 'SHOW synchronous_commit')
state_set SYNC_COMMIT "$sync_commit"
log "(e) $hot_backlog jobs queued (filled in ${fill_s}s); synchronous_commit=$SYNC_COMMIT; releasing the consumer"
if [[ "${BENCH_COLD_WORKER:-0}" == 1 ]]; then
    start_consumer
else
    kill -CONT "$CONSUMER_PID"
fi
if [[ "${BENCH_PROFILE:-0}" == 1 ]]; then
    # wait for the first decision, then sample while the backlog drains
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        (($(queue_depth "$hot_event") < hot_backlog)) && break
        sleep 0.1
    done
    profile_top backlog "$CONSUMER_PID"
fi
watch_others backlog
drain_s=$(await_drained "$hot_event")
state_set HOT_DRAIN_S "$drain_s"
read -r decided span confirmed <<< "$(decided_stats "$hot_event")"
state_set HOT_DECIDED "$decided"
state_set HOT_SPAN "$span"
state_set HOT_CONFIRMED "$confirmed"
reserved=$(event_json "$hot_event" | sed -E 's/.*"reserved":([0-9]+).*/\1/')
state_set HOT_RESERVED "$reserved"
log "(e) drained in ${HOT_DRAIN_S}s: $HOT_DECIDED decided, $HOT_CONFIRMED confirmed (event shows $HOT_RESERVED), decidedAt span ${HOT_SPAN}s"
await_healthy consumer "$CONSUMER_PORT" "$CONSUMER_PID"
phase_end
