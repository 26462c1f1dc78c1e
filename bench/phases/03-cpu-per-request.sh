#!/usr/bin/env bash
# (h) CPU per answered request: short wrk rounds on the no-op endpoint and the accept path, alternately, so that both
# meet the same conditions; the CPU of the producer (by thread) and of Redis per request, and the ratio per round.
# Needs the warm producer of 02 (run alone, it runs 02 first). Method and settings: docs/benchmark.md.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/../lib.sh"
phase_begin
phase_requires 02-warm-up
producer_up

REDIS_PID="$(redis info server | awk -F: '/^process_id:/ { print $2 }' | tr -d '\r')"
[[ -r "/proc/$REDIS_PID/stat" ]] || REDIS_PID=""
per_request_us() { # cpu_seconds requests -> microseconds per request
    awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "-" }'
}
script_runs() { # EVALSHA + EVAL calls Redis has counted so far (all clients: the run is assumed alone on Redis)
    redis info commandstats | awk -F'[=,:]' '/^cmdstat_eval(sha)?:/ { n += $3 } END { print n + 0 }'
}
# The producer's CPU so far by kind of thread, in clock ticks (user + system): virtual-thread carriers (request
# handling, when the producer runs on virtual threads), Lettuce (its Netty event loops), Tomcat (its request
# threads, poller and acceptor, which share one 15-character prefix), GC, JIT compilers, everything else. Linux
# cuts thread names to 15 characters, which these prefixes fit.
thread_ticks() { # pid -> six numbers, in that order
    cat /proc/"$1"/task/*/stat 2> /dev/null | awk '
        { name = $0; sub(/^[^(]*\(/, "", name); sub(/\)[^)]*$/, "", name)
          rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")
          if (name ~ /^ForkJoinPool-[0-9]/) k = 1; else if (name ~ /^lettuce-/) k = 2; else if (name ~ /^http-/) k = 3
          else if (name ~ /^(GC Thread|G1 )/) k = 4; else if (name ~ /^C[12] Compiler/) k = 5; else k = 6
          ticks[k] += f[12] + f[13] }
        END { for (k = 1; k <= 6; k++) printf "%d%s", ticks[k], (k < 6 ? " " : "\n") }'
}
cpu_round() { # round endpoint path -> one table row; also appends "round requests/s" to $WORK/cpu-rounds-<endpoint>
    local pu ps r0 s0 t0 line n r1 runs
    pu=$(cpu_s "$PRODUCER_PID" 12)
    ps=$(cpu_s "$PRODUCER_PID" 13)
    r0=$([[ -n "$REDIS_PID" ]] && cpu_s "$REDIS_PID" || echo 0)
    s0=$(script_runs)
    t0=$(thread_ticks "$PRODUCER_PID")
    line=$(wrk_run "cpu-$2-$1" "$3" "$CPU_SECONDS")
    n=$(field "$line" requests)
    runs=$(($(script_runs) - s0))
    r1=$([[ -n "$REDIS_PID" ]] && cpu_s "$REDIS_PID" || echo 0)
    echo "$1 $(field "$line" rps)" >> "$WORK/cpu-rounds-$2"
    # by thread, µs per request; then Lettuce's and Redis's µs per script run (the costs that come once per round trip)
    awk -v t="$TICKS" -v n="$n" -v runs="$runs" -v redis="$(cpu_delta "$r0" "$r1")" -v round="$1" -v endpoint="$2" \
        -v before="$t0" -v after="$(thread_ticks "$PRODUCER_PID")" 'BEGIN {
            split(before, b, " "); split(after, a, " "); row = "| " round " | " endpoint
            for (k = 1; k <= 6; k++) row = row sprintf(" | %.1f", (n > 0) ? (a[k] - b[k]) * 1e6 / t / n : 0)
            if (runs > 0) row = row sprintf(" | %.0f | %.0f |", (a[2] - b[2]) * 1e6 / t / runs, redis * 1e6 / runs)
            else row = row " | - | - |"
            print row }' >> "$WORK/cpu-threads.md"
    echo "| $1 | $2 | $(field "$line" rps)" \
        "| $(per_request_us "$(cpu_delta "$pu" "$(cpu_s "$PRODUCER_PID" 12)")" "$n")" \
        "| $(per_request_us "$(cpu_delta "$ps" "$(cpu_s "$PRODUCER_PID" 13)")" "$n")" \
        "| $([[ -n "$REDIS_PID" ]] && per_request_us "$(cpu_delta "$r0" "$r1")" "$n" || echo '?')" \
        "| $( ((runs > 0)) && awk -v n="$n" -v r="$runs" 'BEGIN { printf "%.1f", n / r }' || echo '-') |"
}

ratios="-"
median="-"
if ((CPU_ROUNDS > 0)); then
    log "(h) CPU per request: $CPU_ROUNDS rounds of ${CPU_SECONDS}s on each endpoint, alternately"
    {
        echo "| Round | Endpoint | Requests/s | Producer user µs/request | Producer kernel µs/request | Redis µs/request | Requests per script run |"
        echo "|---|---|---|---|---|---|---|"
        for round in $(seq 1 "$CPU_ROUNDS"); do
            cpu_round "$round" no-op /bench/noop/events/1/reservations
            cpu_round "$round" accept "/events/$OPEN_EVENT/reservations"
        done
    } > "$WORK/cpu-rounds.md"
    # accept/no-op per round (each accept round right after its no-op round), and their median
    ratios=$(paste -d ' ' "$WORK/cpu-rounds-no-op" "$WORK/cpu-rounds-accept" |
        awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $4 / $2 }')
    median=$(tr ' ' '\n' <<< "$ratios" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
    echo "accept/no-op per round: $ratios; median $median" >> "$WORK/cpu-rounds.md"
    {
        echo
        echo "The producer's CPU by thread, µs per answered request, and what comes once per script run (a round trip):"
        echo
        echo "| Round | Endpoint | Virtual-thread carriers | Lettuce event loop | Tomcat (request threads, poller, acceptor) | GC | JIT | Other | Lettuce µs per script run | Redis µs per script run |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        cat "$WORK/cpu-threads.md"
    } >> "$WORK/cpu-rounds.md"
    cat "$WORK/cpu-rounds.md" >&2
fi
state_set ROUND_RATIOS "$ratios"
state_set ROUND_MEDIAN "$median"
phase_end
