#!/usr/bin/env bash
# (k) Cold start: a new producer JVM, and a new consumer JVM on a backlog, each once plain and once (Java 25+) with
# the AOT cache scripts/aot-cache.sh makes for the run's jars. Each variant has a database and key prefix of its own
# (so each start includes Flyway creating the schema, as a first start does) and uses the ports the run's main
# producer and consumer take afterwards, which is why bench/run.sh runs it before they start.
# Alone: starts everything it needs; 4-7 minutes with the defaults. Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin

JAVA_FEATURE="$("$JAVA" -XshowSettings:properties -version 2>&1 |
    awk -F' = ' '/java.specification.version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]) }')"
now_ns() { date +%s%N; }
since() { awk -v a="$1" -v b="${2:-$(now_ns)}" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; } # t0_ns [t1_ns] -> seconds
readiness() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$1/actuator/health/readiness" 2> /dev/null || true; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'; }
peak_rss() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2> /dev/null || echo "?"; } # pid -> MiB
allocated_bytes() {                                                                                     # pid -> jvm_gc_memory_allocated_bytes_total right after a forced GC (the counter moves at GCs)
    "$JCMD" "$1" GC.run > /dev/null 2>&1 || return 0
    sleep 0.5
    curl -fsS --max-time 5 "$PRODUCER_URL/actuator/prometheus" |
        awk '/^jvm_gc_memory_allocated_bytes_total/ { v = $NF } END { if (v != "") printf "%.0f", v }'
}
cold_start() { # producer|consumer plain|aot database prefix -> COLD_PID, COLD_T0 (ns)
    local svc="$1-service" port="$PRODUCER_PORT" opts=("${SERVICE_OPTS[@]}" "${PRODUCER_OPTS[@]}")
    if [[ "$1" == consumer ]]; then port="$CONSUMER_PORT" opts=("${SERVICE_OPTS[@]}" "${CONSUMER_OPTS[@]}"); fi
    local envs=(SPRING_DATASOURCE_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$3" SPRING_DATASOURCE_USERNAME="$PG_USER"
        SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT" RESERVATION_QUEUE_KEY_PREFIX="$4"
        RESERVATION_QUEUE_SHARDS="$SHARDS" SERVER_PORT="$port" RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN"
        RESERVATION_API_MAX_QUEUE_DEPTH=10000000 RESERVATION_BENCH_NOOP_ENDPOINT=true)
    COLD_T0=$(now_ns)
    if [[ "$2" == aot ]]; then
        # from the extracted folder: the cache holds the class path relative to it
        (cd "$WORK/aot-$svc" && exec env "${envs[@]}" "$JAVA" "${opts[@]}" -XX:+HeapDumpOnOutOfMemoryError \
            -XX:HeapDumpPath="$WORK" -XX:AOTCache=app.aot -jar "$svc.jar") >> "$WORK/cold-$1-$2.log" 2>&1 &
    else
        env "${envs[@]}" "$JAVA" "${opts[@]}" -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK" \
            -jar "$WORK/$svc.jar" >> "$WORK/cold-$1-$2.log" 2>&1 &
    fi
    COLD_PID=$!
    track "cold-$1" "$COLD_PID"
}
await_ready() { # name port pid t0_ns -> seconds from t0 to the first 200 of /actuator/health/readiness
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        kill -0 "$3" 2> /dev/null || die "$1 exited during start-up, see $WORK/cold-$1-*.log"
        [[ "$(readiness "$2")" == 200 ]] && {
            since "$4"
            return 0
        }
        sleep 0.1
    done
    die "$1 not ready after $WAIT_SECONDS s"
}
event_when_migrated() { # database pid -> id of a new event of capacity 1,000,000, inserted as soon as Flyway has
    # created the table, so that wrk can start the moment readiness answers (the producer registers it in Redis at
    # its first request, as it does for any event Redis does not know)
    for _ in $(seq 1 $((WAIT_SECONDS * 5))); do
        kill -0 "$2" 2> /dev/null || die "producer exited during start-up, see $WORK/cold-producer-*.log"
        if [[ "$(pg -d "$1" -c "SELECT to_regclass('public.events') IS NOT NULL" 2> /dev/null)" == t ]]; then
            pg -d "$1" -c "INSERT INTO events (name, capacity) VALUES ('bench-cold-open', 1000000) RETURNING id"
            return 0
        fi
        sleep 0.2
    done
    die "no events table after $WAIT_SECONDS s"
}
cache_refused() { # variant log -> a note if the JVM of the AOT variant did not use the cache
    [[ "$1" == aot ]] || return 0
    if grep -q -E 'Unable to use AOT cache|not the one used while building|error has occurred while processing the AOT cache' "$2"; then
        echo " (**cache refused**, see $(basename "$2"))"
    fi
}
cold_set() { state_set "COLD_${1}_$2" "$3"; } # variant name value
cold_variant() {                              # plain|aot
    local v="$1" db="${DB}_cold_$1" prefix="$PREFIX-cold-$1" path open t0 w1 w2 steady a0 a1 n
    local ready first1 first2 rate_steady note
    pg -d postgres -c "CREATE DATABASE \"$db\"" > /dev/null
    echo "$db" >> "$WORK/databases"

    # the producer: start to readiness, then at once two windows of wrk, then the steady state after the warm-up
    log "(k) $v: new producer JVM"
    cold_start producer "$v" "$db" "$prefix"
    local producer=$COLD_PID
    t0=$COLD_T0
    open=$(event_when_migrated "$db" "$producer")
    path="/events/$open/reservations"
    ready=$(await_ready producer "$PRODUCER_PORT" "$producer" "$t0")
    w1=$(wrk_run "cold-$v-window1" "$path" "$COLD_WINDOW")
    w2=$(wrk_run "cold-$v-window2" "$path" "$COLD_WINDOW")
    first1=$(rate "$(accepted "$w1")" "$(field "$w1" seconds)")
    first2=$(rate "$(($(accepted "$w1") + $(accepted "$w2")))" \
        "$(awk -v a="$(field "$w1" seconds)" -v b="$(field "$w2" seconds)" 'BEGIN { print a + b }')")
    cold_set "$v" ready "$ready"
    cold_set "$v" first1 "$first1"
    cold_set "$v" first2 "$first2"
    cold_set "$v" p99_1 "$(ms "$(field "$w1" p99_us)")"
    log "(k) $v: ready after $ready s; accepted/s $first1 in the first ${COLD_WINDOW} s," \
        "$first2 in the first $((2 * COLD_WINDOW)) s; now ${WARMUP_SECONDS} s of warm-up"
    wrk_run "cold-$v-warmup" "$path" "$WARMUP_SECONDS" > /dev/null
    a0=$(allocated_bytes "$producer")
    steady=$(wrk_run "cold-$v-steady" "$path" "$WRK_SECONDS")
    a1=$(allocated_bytes "$producer")
    n=$(accepted "$steady")
    rate_steady=$(rate "$n" "$(field "$steady" seconds)")
    cold_set "$v" steady "$rate_steady"
    cold_set "$v" share1 "$(share "$first1" "$rate_steady")"
    cold_set "$v" share2 "$(share "$first2" "$rate_steady")"
    cold_set "$v" alloc "$(awk -v a="$a0" -v b="$a1" -v n="$n" \
        'BEGIN { if (a != "" && b != "" && n > 0) printf "%.0f", (b - a) / n; else print "-" }')"
    cold_set "$v" rss "$(peak_rss "$producer")"
    note=$(cache_refused "$v" "$WORK/cold-producer-aot.log")
    cold_set "$v" note "$note"
    log "(k) $v: steady $rate_steady accepted/s (first windows $(cold_get "$v" share1) / $(cold_get "$v" share2) of it)," \
        "$(cold_get "$v" alloc) bytes allocated per accepted request, peak RSS $(cold_get "$v" rss) MiB$note"

    # the consumer: a new JVM on a backlog of one event (the open event's jobs are removed first: the consumer is
    # to find this backlog, not what the measurements above queued)
    local open_shard=$((open % SHARDS)) hot initial t_ready="" t_first="" t_empty="" depth now c span confirmed
    redis unlink "$prefix:{s$open_shard}:queue" "$prefix:{s$open_shard}:pending" > /dev/null
    hot=$(create_event bench-cold-hot "$HOT_CAPACITY")
    while ((hot % SHARDS == open_shard)); do hot=$(create_event bench-cold-hot "$HOT_CAPACITY"); done
    cold_set "$v" fill "$(fill_queue "$hot" "$COLD_BACKLOG" "cold-$v-backlog" "$prefix")"
    initial=$(queue_depth "$hot" "$prefix")
    log "(k) $v: $initial jobs queued in $(cold_get "$v" fill) s; new consumer JVM"
    cold_start consumer "$v" "$db" "$prefix"
    local consumer=$COLD_PID
    t0=$COLD_T0
    for _ in $(seq 1 $((WAIT_SECONDS * 10))); do
        kill -0 "$consumer" 2> /dev/null || die "consumer exited, see $WORK/cold-consumer-$v.log"
        now=$(now_ns)
        [[ -z "$t_ready" && "$(readiness "$CONSUMER_PORT")" == 200 ]] && t_ready=$now
        depth=$(queue_depth "$hot" "$prefix")
        [[ -z "$t_first" && "$depth" -lt "$initial" ]] && t_first=$now
        [[ -z "$t_empty" && "$depth" -eq 0 ]] && t_empty=$now
        [[ -n "$t_ready" && -n "$t_empty" ]] && break
        sleep 0.1
    done
    [[ -n "$t_ready" && -n "$t_empty" ]] || die "(k) $v: consumer not ready or queue not empty after $WAIT_SECONDS s"
    read -r c span confirmed <<< "$(decided_stats "$hot" "$db")"
    cold_set "$v" decided "$c"
    cold_set "$v" span "$span"
    cold_set "$v" confirmed "$confirmed"
    cold_set "$v" c_ready "$(since "$t0" "$t_ready")"
    cold_set "$v" c_first "$(since "$t0" "$t_first")"
    cold_set "$v" c_empty "$(since "$t0" "$t_empty")"
    cold_set "$v" c_rate "$(rate "$c" "$span")"
    cold_set "$v" c_rss "$(peak_rss "$consumer")"
    note=$(cache_refused "$v" "$WORK/cold-consumer-aot.log")
    cold_set "$v" c_note "$note"
    log "(k) $v: consumer ready after $(cold_get "$v" c_ready) s, first decision $(cold_get "$v" c_first) s, queue empty" \
        "$(cold_get "$v" c_empty) s; $c decided ($confirmed confirmed), $(cold_get "$v" c_rate)/s$note"

    stop_tracked "$consumer"
    stop_tracked "$producer"
    delete_keys "$prefix:*"
    drop_database "$db"
    state_set COLD_VARIANTS "${COLD_VARIANTS:+$COLD_VARIANTS }$v"
}

command -v "$JCMD" > /dev/null 2>&1 || log "(k) no jcmd next to $JAVA: bytes per request not measured"
state_set COLD_VARIANTS ""
if [[ "${BENCH_COLD_AOT:-1}" == 0 ]]; then
    state_set COLD_NOTE "not run (BENCH_COLD_AOT=0)"
elif [[ -z "$JAVA_FEATURE" || "$JAVA_FEATURE" -lt 25 ]]; then
    state_set COLD_NOTE "skipped: Java ${JAVA_FEATURE:-?}, the AOT cache needs Java 25"
else
    state_set COLD_NOTE ""
    # The caches of this run's jars, made as the Dockerfile and scripts/run-pair.sh make them (training run with the
    # services' options, 10 s of wrk for the producer), in a database and key prefix of their own.
    for svc in producer-service consumer-service; do
        log "(k) AOT cache of $svc: training run (scripts/aot-cache.sh), log in $WORK/aot-$svc.log"
        svc_opts="$PRODUCER_JAVA_OPTS"
        [[ "$svc" == consumer-service ]] && svc_opts="$CONSUMER_JAVA_OPTS"
        env JAVA="$JAVA" AOT_JAR="$WORK/$svc.jar" AOT_JAVA_OPTS="$SERVICE_JAVA_OPTS $svc_opts" \
            SPRING_DATASOURCE_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/postgres" SPRING_DATASOURCE_USERNAME="$PG_USER" \
            SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT" RESERVATION_QUEUE_SHARDS="$SHARDS" \
            RESERVATION_API_MAX_QUEUE_DEPTH=10000000 RESERVATION_BENCH_NOOP_ENDPOINT=true \
            "$ROOT/scripts/aot-cache.sh" "$svc" "$WORK/aot-$svc" > "$WORK/aot-$svc.log" 2>&1 ||
            die "AOT cache of $svc failed: $(tail -n 2 "$WORK/aot-$svc.log" | tr '\n' ' ')"
        mv "$WORK/aot-$svc/aot-training.log" "$WORK/aot-training-$svc.log" 2> /dev/null || true
    done
fi
cold_variant plain
[[ -z "$COLD_NOTE" ]] && cold_variant aot
phase_end
