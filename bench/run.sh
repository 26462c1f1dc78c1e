#!/usr/bin/env bash
# The benchmark of the accept path and the worker, in one run on loopback: the phases in bench/phases/, in the order
# of their numbers, in one run (database, key prefix, services) that is removed at the end. The results table goes
# to bench/results/latest.md (git-ignored), logs to bench/work/<run>/.
#
#   bench/run.sh                    every phase (BENCH_COLD=0: without the cold start, 01)
#   BENCH_CPU_ONLY=1 bench/run.sh   only the warm-up and (h), written to bench/results/latest-cpu.md
#   BENCH_COLD_ONLY=1 bench/run.sh  only the cold start (k), written to bench/results/latest-cold.md
#
# What it needs, what each phase measures, and every setting: docs/benchmark.md.
set -euo pipefail
# The whole script is one block, parsed before it runs, and the phases run from a copy made at the start: editing
# the scripts during a run cannot change the running one.
{
    # shellcheck source=bench/lib.sh
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
    run_create
    mkdir -p "$WORK/scripts"
    cp -r "$BENCH_DIR/lib.sh" "$BENCH_DIR/phases" "$BENCH_DIR/wrk" "$WORK/scripts/"
    export BENCH_RUN_DIR="$WORK"

    if [[ "${BENCH_COLD_ONLY:-0}" == 1 ]]; then
        "$WORK/scripts/phases/01-cold-start.sh"
        state_load
        {
            echo "# Cold start, run $RUN_ID"
            echo
            describe_run
            echo "Services: \`$SERVICE_JAVA_OPTS\`${PRODUCER_JAVA_OPTS:+ (producer also \`$PRODUCER_JAVA_OPTS\`)}, $SHARDS shards. wrk: $WRK_THREADS threads, $WRK_CONNECTIONS connections."
            echo
            echo "| # | Measurement | Result | Target | Met |"
            echo "|---|---|---|---|---|"
            cold_rows
        } > "$WORK/results-cold.md"
        cp "$WORK/results-cold.md" "$ROOT/bench/results/latest-cold.md"
        cat "$WORK/results-cold.md"
        log "written to bench/results/latest-cold.md (logs: $WORK)"
        exit 0
    fi

    for phase in "$WORK"/scripts/phases/[0-9][0-9]-*.sh; do
        case "$(basename "$phase")" in
            01-*) [[ "${BENCH_COLD:-1}" == 0 || "${BENCH_CPU_ONLY:-0}" == 1 ]] && continue ;;
        esac
        "$phase"
        if [[ "${BENCH_CPU_ONLY:-0}" == 1 && "$(basename "$phase")" == 03-* ]] && ((CPU_ROUNDS > 0)); then
            cp "$WORK/cpu-rounds.md" "$ROOT/bench/results/latest-cpu.md"
            log "written to bench/results/latest-cpu.md"
            exit 0
        fi
    done

    state_load
    results_table > "$WORK/results.md"
    cp "$WORK/results.md" "$ROOT/bench/results/latest.md"
    cat "$WORK/results.md"
    log "written to bench/results/latest.md (logs: $WORK)"
    [[ $BURST_EXIT == 0 && $HALF_EXIT == 0 && $LOW_EXIT == 0 ]]
    exit
}
