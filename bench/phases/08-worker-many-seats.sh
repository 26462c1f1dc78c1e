#!/usr/bin/env bash
# (e') The worker on many seats: the consumer starts and drains what (c) and its warm-up queued for the open event
# (all CONFIRMED); decisions/s from the decided_at span in PostgreSQL. Then VACUUM (ANALYZE) of the reservations,
# for (e).
# Needs the open event's backlog of (c) (run alone, it runs 02 and 06 first). Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up 06-accept-path
producer_up

backlog=$(queue_depth "$OPEN_EVENT")
consumer_up
log "draining $backlog jobs of event $OPEN_EVENT"
drain_s=$(await_drained "$OPEN_EVENT")
read -r decided span confirmed <<< "$(decided_stats "$OPEN_EVENT")"
state_set OPEN_DECIDED "$decided"
state_set OPEN_SPAN "$span"
log "drained in ${drain_s}s: $decided decided ($confirmed confirmed), decidedAt span ${span}s"
# Draining (c) has just inserted hundreds of thousands of rows, which sets off autovacuum of the reservations table
# at a time of its own choosing. Vacuumed now, (e) does not depend on whether that happens to overlap it.
log "VACUUM ANALYZE of the reservations (c) decided, before (e)"
pg -d "$DB" -c "VACUUM (ANALYZE) reservations" > /dev/null
phase_end
