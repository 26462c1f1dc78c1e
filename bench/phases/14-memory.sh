#!/usr/bin/env bash
# (g) Memory: the highest RSS of the producer and of the consumer, sampled every 0.5 s since each started (all the
# phases before it, bursts included); it stops the sampler.
# Only meaningful after the other phases of a run: alone, it reports a freshly started pair. Method and settings:
# docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
producer_up
consumer_up

stop_tracked "$SAMPLER_PID"
state_set RSS_P $(($(cat "$WORK/rss-producer.kb" 2> /dev/null || echo 0) / 1024))
state_set RSS_C $(($(cat "$WORK/rss-consumer.kb" 2> /dev/null || echo 0) / 1024))
phase_end
