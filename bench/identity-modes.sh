#!/usr/bin/env bash
# What jwt identity mode costs on the accept path, and that body mode pays nothing for the security chain: three
# producers at once, each with a database and key prefix of its own and no consumer (main's build in body mode, this
# build in body mode, this build in jwt mode), and rounds of the load generator against one after the other.
# Method and what it needs: docs/benchmark.md#identity-modes-what-jwt-costs; settings: docs/benchmark.md#settings.
set -euo pipefail
{
    LOG_TAG=identity-modes
    # shellcheck source=bench/lib.sh
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
    ROUNDS="${BENCH_ROUNDS:-5}"
    WARMUP_ROUNDS="${BENCH_WARMUP_ROUNDS:-2}"
    REQUESTS="${BENCH_REQUESTS:-20000}"
    USERS="${BENCH_USERS:-20000}"
    CONCURRENCY="${BENCH_CONCURRENCY:-64}"
    MAIN_DIR="${BENCH_MAIN_DIR:-$ROOT}"
    MAIN_REF="${BENCH_MAIN_REF:-HEAD}"
    require_tools redis-cli psql curl python3

    RUN_ID="$(date +%Y%m%d%H%M%S)-$$"
    WORK="$ROOT/bench/work/identity-$RUN_ID"
    mkdir -p "$WORK/jwks"
    run_files
    ADMIN_TOKEN="bench-admin-$RUN_ID-$RANDOM$RANDOM"
    NAMES=(main-body body jwt)
    declare -A PORT=([main - body]=18180 [body]=18181 [jwt]=18182) PID=() JAR=()
    JWKS_PORT=18189
    db() { echo "bench_id_${RUN_ID//-/_}_${1//-/_}"; }
    prefix() { echo "bench-id-$RUN_ID-$1"; }
    for name in "${NAMES[@]}"; do
        db "$name" >> "$WORK/databases"
        echo "$(prefix "$name"):*" >> "$WORK/key-patterns"
    done
    # shellcheck disable=SC2317 # run by the EXIT trap
    cleanup() {
        run_cleanup
        rm -rf "$WORK/main-src" "$WORK/user-tokens.txt"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    # ---- build: this branch, and main from an archive of its HEAD ----------------------------------------------
    if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
        log "building this branch's producer and load generator"
        maven_package "$ROOT" "$WORK/build.log" -pl producer-service,load-generator -am
    fi
    cp "$ROOT/producer-service/target/producer-service.jar" "$WORK/producer-branch.jar"
    cp "$ROOT/load-generator/target/load-generator.jar" "$WORK/load-generator.jar"
    log "building main ($(git -C "$MAIN_DIR" rev-parse --short "$MAIN_REF")) in $WORK/main-src"
    mkdir -p "$WORK/main-src"
    git -C "$MAIN_DIR" archive "$MAIN_REF" | tar -x -C "$WORK/main-src"
    maven_package "$WORK/main-src" "$WORK/build-main.log" -pl producer-service -am
    cp "$WORK/main-src/producer-service/target/producer-service.jar" "$WORK/producer-main.jar"
    JAR=([main - body]="$WORK/producer-main.jar" [body]="$WORK/producer-branch.jar" [jwt]="$WORK/producer-branch.jar")

    # ---- the issuer: a key pair, its JWK set on loopback, a token per user ---------------------------------------
    NIMBUS="$(printf '%s\n' ~/.m2/repository/com/nimbusds/nimbus-jose-jwt/*/nimbus-jose-jwt-*.jar | grep -v sources | sort -V | tail -1)"
    log "minting $USERS tokens"
    "$JAVA" -cp "$NIMBUS" "$BENCH_DIR/identity/MintTokens.java" "$WORK" "$USERS"
    mv "$WORK/jwks.json" "$WORK/jwks/"
    python3 -m http.server --bind 127.0.0.1 --directory "$WORK/jwks" "$JWKS_PORT" > "$WORK/jwks.log" 2>&1 &
    track jwks "$!"

    # ---- the three producers ----------------------------------------------------------------------------------
    for name in "${NAMES[@]}"; do
        pg -d postgres -c "CREATE DATABASE \"$(db "$name")\"" > /dev/null
        extra=()
        if [[ "$name" == jwt ]]; then
            extra=(RESERVATION_IDENTITY_MODE=jwt
                SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI="http://127.0.0.1:$JWKS_PORT/jwks.json")
        fi
        env SPRING_DATASOURCE_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$(db "$name")" SPRING_DATASOURCE_USERNAME="$PG_USER" \
            SPRING_DATA_REDIS_HOST="$REDIS_HOST" SPRING_DATA_REDIS_PORT="$REDIS_PORT" \
            RESERVATION_QUEUE_KEY_PREFIX="$(prefix "$name")" SERVER_PORT="${PORT[$name]}" \
            RESERVATION_ADMIN_TOKEN="$ADMIN_TOKEN" RESERVATION_API_MAX_QUEUE_DEPTH=10000000 "${extra[@]}" \
            "$JAVA" "${SERVICE_OPTS[@]}" -jar "${JAR[$name]}" > "$WORK/producer-$name.log" 2>&1 &
        PID[$name]=$!
        track "producer-$name" "${PID[$name]}"
    done
    for name in "${NAMES[@]}"; do
        for _ in $(seq 1 $((WAIT_SECONDS * 2))); do
            curl -sf -o /dev/null "http://127.0.0.1:${PORT[$name]}/actuator/health/readiness" && break
            kill -0 "${PID[$name]}" 2> /dev/null || die "producer $name died, see $WORK/producer-$name.log"
            sleep 0.5
        done
        curl -sf -o /dev/null "http://127.0.0.1:${PORT[$name]}/actuator/health/readiness" ||
            die "producer $name not ready after $WAIT_SECONDS s"
        log "producer $name ready (pid ${PID[$name]})"
    done

    round() { # name tag -> "name accepted/s p50 p99 cpu-us-per-request"
        local name="$1" tag="$2" tokens=()
        [[ "$name" == jwt ]] && tokens=(--user-tokens "$WORK/user-tokens.txt")
        local before after
        before=$(cpu_s "${PID[$name]}")
        "$JAVA" -Xmx1g -jar "$WORK/load-generator.jar" --url "http://127.0.0.1:${PORT[$name]}" --create-events 1000000 \
            --requests "$REQUESTS" --users "$USERS" --concurrency "$CONCURRENCY" --malformed 0 --no-wait --progress off \
            --admin-token "$ADMIN_TOKEN" --report "$WORK/$tag-$name.properties" "${tokens[@]}" \
            > "$WORK/$tag-$name.md" 2> "$WORK/$tag-$name.err" || die "load generator failed, see $WORK/$tag-$name.err"
        after=$(cpu_s "${PID[$name]}")
        local p="$WORK/$tag-$name.properties"
        local accepted
        accepted=$(prop "$p" accepted_202 | tr -d ,)
        [[ "$accepted" == "$REQUESTS" ]] || die "$tag $name: $accepted of $REQUESTS accepted, see $WORK/$tag-$name.md"
        echo "$name $(prop "$p" accepted_s | tr -d ,) $(prop "$p" post_latency_p50_ms) $(prop "$p" post_latency_p99_ms)" \
            "$(awk -v c="$(cpu_delta "$before" "$after")" -v n="$REQUESTS" 'BEGIN { printf "%.0f", c * 1e6 / n }')"
    }

    for w in $(seq 1 "$WARMUP_ROUNDS"); do
        for name in "${NAMES[@]}"; do
            round "$name" "warmup$w" > /dev/null
            log "warm-up $w: $name"
        done
    done
    RESULTS="$WORK/rounds.txt"
    : > "$RESULTS"
    for r in $(seq 1 "$ROUNDS"); do
        order=("${NAMES[@]:$(((r - 1) % 3))}" "${NAMES[@]:0:$(((r - 1) % 3))}")
        for name in "${order[@]}"; do
            line=$(round "$name" "round$r")
            echo "$r $line" | tee -a "$RESULTS" >&2
        done
    done

    # ---- table ------------------------------------------------------------------------------------------------
    med() { # name column -> the median of that producer's rounds
        awk -v n="$1" -v c="$2" '$2 == n { print $c }' "$RESULTS" | sort -g |
            awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
    }
    {
        echo "main-body: $(git -C "$MAIN_DIR" rev-parse --short "$MAIN_REF"); body and jwt: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD || echo ' (with uncommitted changes)')."
        echo "Host: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) CPUs; $("$JAVA" -version 2>&1 | head -1)."
        echo "Services: \`$SERVICE_JAVA_OPTS\`; load generator closed loop, $CONCURRENCY in flight, $REQUESTS requests per round, $USERS users."
        echo
        echo "| Round | Producer | Accepted/s | p50 ms | p99 ms | CPU µs/request |"
        echo "|---|---|---|---|---|---|"
        awk '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$RESULTS"
        echo
        echo "Medians:"
        echo
        echo "| Producer | Accepted/s | p50 ms | p99 ms | CPU µs/request |"
        echo "|---|---|---|---|---|"
        for name in "${NAMES[@]}"; do
            echo "| $name | $(med "$name" 3) | $(med "$name" 4) | $(med "$name" 5) | $(med "$name" 6) |"
        done
    } > "$WORK/result.md"
    cat "$WORK/result.md"
    exit
}
