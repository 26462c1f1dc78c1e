package dev.fcfs.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.fcfs.loadgen.Requests;
import dev.fcfs.testsupport.ServiceProcess;
import dev.fcfs.testsupport.TcpProxy;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults of the consumers: killed (SIGKILL) in the middle of a batch, and frozen (SIGSTOP) past their lease with
 * their statements held on the wire to PostgreSQL. Nothing accepted may be lost, decided twice or written under a
 * superseded lease. Part of the fault-injection suite: see {@link FaultScenarios}.
 */
@Order(Order.DEFAULT + 2)
class ConsumerFaultTests extends FaultScenarios {

    @Test
    @Order(2)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void consumersKilledMidBatchTenTimesLoseNothing() {
        scenario("kill -9 of a consumer mid-batch, 10 times in one burst, two consumers", (run) -> {
            Random random = new Random(SEED + 2);
            Random bursts = new Random(SEED + 20);
            List<Long> events = run.createEventsOnEveryShard("kill", 30, 100, 250, 600, 1500, 4000, 4000, 4000);
            awaitTwoConsumersServing();
            // A steady trickle all along, and before each kill a burst that gives the victim full batches to decide.
            SteadyTraffic traffic = run.traffic(() -> Requests.interleave(random,
                    Requests.valid(events, 50, 3000, random), Requests.malformed(events, 2, random)), 50);
            List<String> kills = new ArrayList<>();
            int midBatch = 0;
            int attempts = 0;
            while (midBatch < 10) {
                attempts++;
                assertThat(attempts).as("kills needed to land 10 mid-batch").isLessThanOrEqualTo(14);
                awaitEveryConsumerServing();
                ServiceProcess victim = aliveConsumers().get(0);
                CompletableFuture<Void> burst = run.driver.fire(Requests.valid(events, 240, 3000, bursts));
                long[] before = new long[1];
                List<List<Integer>> leased = new ArrayList<>(List.of(List.of()));
                Awaitility.await(victim + " in the middle of a batch")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(2))
                    .until(() -> {
                        leased.set(0, shards.leasedBy(victim));
                        before[0] = leased.get(0).stream().mapToLong(shards::processingLength).sum();
                        return before[0] >= (burst.isDone() ? 1 : 5);
                    });
                int status = victim.kill();
                List<Integer> victimShards = leased.get(0);
                long leftBehind = victimShards.stream().mapToLong(shards::processingLength).sum();
                assertThat(status).as("exit status of %s", victim).isEqualTo(ServiceProcess.SIGKILL_EXIT_STATUS);
                assertThat(victimShards).as("shards leased by %s when killed", victim).isNotEmpty();
                ServiceProcess replacement = deployment.startConsumer("faults-consumer-r" + attempts);
                long killed = System.nanoTime();
                Awaitility.await("shards " + victimShards + " of " + victim + " taken over")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> victimShards.stream()
                        .noneMatch((shard) -> Shards.ownedBy(victim, shards.leaseOwner(shard))));
                long takeOverMillis = (System.nanoTime() - killed) / 1_000_000;
                replacement.awaitHealthy();
                burst.orTimeout(2, TimeUnit.MINUTES).join();
                if (leftBehind > 0) {
                    midBatch++;
                }
                kills.add(String.format("%s: %d jobs taken and not acknowledged just before the kill, %d in its "
                        + "processing lists right after it; its shards %s taken over %d ms later", victim.name(),
                        before[0], leftBehind, victimShards, takeOverMillis));
            }
            long sentDuringKills = traffic.stop();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            List<String> violations = run.measure();
            run.evidence(attempts + " kills (SIGKILL, exit status 137 each), " + midBatch + " of them with jobs "
                    + "taken but not acknowledged left behind in the victim's processing lists; " + sentDuringKills
                    + " requests of steady traffic plus a burst of 240 before each kill");
            kills.forEach(run::evidence);
            assertNoViolations(violations);
            assertThat(aliveConsumers()).as("consumers alive after the kills").hasSize(2);
        });
    }

    @Test
    @Order(3)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void frozenConsumerCannotWriteOnceItsLeaseIsTaken() {
        scenario("consumer frozen (SIGSTOP) past its lease, then resumed (SIGCONT)", (run) -> {
            Random random = new Random(SEED + 3);
            List<Long> events = run.createEventsOnEveryShard("frozen", 40, 150, 400, 2000, 40, 150, 400, 2000);
            awaitTwoConsumersServing();
            String role = "fault_frozen";
            postgres.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role
                    + "') THEN CREATE ROLE " + role + " LOGIN SUPERUSER; END IF; END $$");
            String frozenId = "faults-frozen-" + UUID.randomUUID().toString().substring(0, 8);
            ServiceProcess frozen = null;
            try (TcpProxy gate = TcpProxy.to("127.0.0.1", postgres.port())) {
                // Its own database role, so that pg_stat_statements and pg_stat_activity tell its statements and
                // sessions from everyone else's; its own path to PostgreSQL, so that they can be held on the wire.
                frozen = deployment.startConsumer("faults-frozen",
                        Map.of("SPRING_DATASOURCE_URL", postgres.jdbcUrl(gate.port()), "SPRING_DATASOURCE_USERNAME",
                                role, "RESERVATION_WORKER_INSTANCE_ID", frozenId));
                frozen.awaitHealthy();
                Awaitility.await(frozenId + " owns shards")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !fencingTokensOf(frozenId).isEmpty());
                SteadyTraffic traffic = run.traffic(() -> Requests.interleave(random,
                        Requests.valid(events, 150, 2000, random), Requests.malformed(events, 2, random)), 150);
                Awaitility.await(frozenId + " decides")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> statementsOf(role).insertRows() > 0);

                // 1. Frozen between two transactions, the next one already sent: its lease was valid when it
                // checked, but PostgreSQL sees the statements only after another consumer took the shard over.
                int tries = holdUntil(gate, role, false);
                frozen.freeze();
                Map<Integer, Long> tokens = fencingTokensOf(frozenId);
                Statements before = statementsOf(role);
                int onTheWire = gate.heldPorts().size();
                long pausedAt = System.nanoTime();
                Awaitility.await("shards " + tokens.keySet() + " of the frozen " + frozenId + " taken over")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> takenOver(tokens));
                long takeOverMillis = (System.nanoTime() - pausedAt) / 1_000_000;
                Map<Integer, String> newOwners = owners(tokens.keySet());
                frozen.thaw();
                // What it sent before it froze reaches PostgreSQL now; what it sends from here on stays held until
                // the fence has been seen to work.
                gate.releaseHeld();
                // At least one held fencing check has run, and then nothing more changes: a held connection may
                // also have carried another statement (a takeover, a health check), so not every one is a check.
                Awaitility.await("the held transactions of " + frozenId + " executed")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> statementsOf(role).fenceCalls() > before.fenceCalls());
                Statements after = awaitSettled(role);
                run.evidence(String.format("frozen between transactions (found on try %d): %d decision transaction(s) "
                        + "on the wire, shards %s (tokens %s) taken over %d ms after SIGSTOP by %s", tries, onTheWire,
                        tokens.keySet(), tokens, takeOverMillis, newOwners));
                run.evidence(String.format("after SIGCONT its %d fencing check(s) ran and matched %d rows: refused; "
                        + "reservation inserts by it: %d (pg_stat_statements, role %s)",
                        after.fenceCalls() - before.fenceCalls(), after.fenceRows() - before.fenceRows(),
                        after.insertCalls() - before.insertCalls(), role));
                assertThat(after.fenceCalls() - before.fenceCalls()).as("fencing checks of %s run after the takeover",
                        frozenId).isPositive();
                assertThat(after.fenceRows()).as("fencing checks of %s that matched its superseded token (before: "
                        + "%s, after: %s)", frozenId, before, after).isEqualTo(before.fenceRows());
                assertThat(after.insertCalls()).as("reservations written by %s after it lost its lease (before: %s, "
                        + "after: %s)", frozenId, before, after).isEqualTo(before.insertCalls());
                assertThat(fencingTokensOf(frozenId)).as("shards %s owns after the takeover", frozenId).isEmpty();
                gate.restore();
                Awaitility.await(frozenId + " serving shards again under new tokens")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !fencingTokensOf(frozenId).isEmpty() && statementsOf(role).insertCalls()
                            > after.insertCalls());
                run.evidence("it rejoined by itself, under tokens " + fencingTokensOf(frozenId));

                // 2. Frozen inside a decision transaction, after its fencing check: it holds the shard's row in
                // shard_leases, so the new owner's takeover (which bumps the token) waits for that transaction.
                tries = holdUntil(gate, role, true);
                frozen.freeze();
                Map<Integer, Long> insideTokens = fencingTokensOf(frozenId);
                Statements beforeInside = statementsOf(role);
                Awaitility.await("another consumer holding the Redis leases of " + insideTokens.keySet())
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> insideTokens.keySet().stream().map(shards::leaseOwner)
                        .allMatch((owner) -> owner != null && !owner.equals(frozenId)));
                Awaitility.await("a takeover waiting for the frozen transaction's row lock")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> takeoversWaitingForALock() > 0);
                // How long does the shard stay blocked? With PostgreSQL's defaults, as long as the consumer stays
                // frozen; with idle_in_transaction_session_timeout, PostgreSQL ends the frozen session and the
                // takeover goes through. Watched for three lease TTLs, a measurement, not a condition.
                long blockedAt = System.nanoTime();
                boolean takenWhileFrozen = awaitQuietly(Duration.ofSeconds(6), () -> takenOver(insideTokens));
                long blockedMillis = (System.nanoTime() - blockedAt) / 1_000_000;
                Map<Integer, Long> tokensWhileFrozen = fencingTokensOf(frozenId);
                long resumedAt = System.nanoTime();
                frozen.thaw();
                gate.restore();
                Awaitility.await("the takeover of " + insideTokens.keySet() + " completing once the frozen "
                        + "transaction ended")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> takenOver(insideTokens));
                long afterResumeMillis = (System.nanoTime() - resumedAt) / 1_000_000;
                Statements afterInside = awaitSettled(role);
                long insertsAfterResume = afterInside.insertCalls() - beforeInside.insertCalls();
                if (takenWhileFrozen) {
                    run.evidence(String.format("frozen inside a transaction (found on try %d) on shards %s: the "
                            + "takeover of its locked shard waited, then went through %d ms later while it was still "
                            + "frozen (PostgreSQL ended its idle transaction); after SIGCONT it inserted %d "
                            + "reservation(s)", tries, insideTokens.keySet(), blockedMillis, insertsAfterResume));
                    assertThat(insertsAfterResume).as("reservations inserted by %s after its session was ended",
                            frozenId).isZero();
                }
                else {
                    run.evidence(String.format("frozen inside a transaction (found on try %d) on shards %s: another "
                            + "consumer got the Redis leases, but the takeover of the shard whose row the frozen "
                            + "transaction locks was still waiting %d ms later (token %s unchanged): the shard stalls "
                            + "for as long as the consumer stays frozen. After SIGCONT that transaction finished (%d "
                            + "reservation insert(s), committed under its still-current token) and the takeover "
                            + "completed %d ms later", tries, insideTokens.keySet(), blockedMillis, tokensWhileFrozen,
                            insertsAfterResume, afterResumeMillis));
                    // The locked shard keeps the frozen consumer's token; the others were taken over as usual.
                    assertThat(tokensWhileFrozen).as("tokens of the frozen consumer while its transaction was open")
                        .isNotEmpty();
                    assertThat(insideTokens).as("tokens when it froze").containsAllEntriesOf(tokensWhileFrozen);
                }

                traffic.stop();
                run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
                List<String> violations = run.measure();
                assertNoViolations(violations);
                assertThat(frozen.isAlive()).as("%s alive", frozen).isTrue();
            }
            finally {
                if (frozen != null) {
                    frozen.stop(Duration.ofSeconds(20));
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Every live consumer leases at least one shard: the next fault hits a system that shares its work. */
    private static void awaitEveryConsumerServing() {
        Awaitility.await("every consumer serving shards")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> aliveConsumers().stream().allMatch((consumer) -> !shards.leasedBy(consumer).isEmpty()));
    }

    /** Shard to fencing token, for the shards whose newest token {@code owner} holds (read-only SQL). */
    private static Map<Integer, Long> fencingTokensOf(String owner) {
        Map<Integer, Long> tokens = new TreeMap<>();
        postgres.query("SELECT shard, fencing_token FROM shard_leases WHERE owner = ?", owner)
            .forEach((row) -> tokens.put(((Number) row.get("shard")).intValue(),
                    ((Number) row.get("fencing_token")).longValue()));
        return tokens;
    }

    /**
     * Holds a consumer's statements on the wire until PostgreSQL shows the state wanted: every one of its sessions
     * between transactions with at least one statement held ({@code insideTransaction} false: the held statement
     * opens a transaction, its fencing check not run yet), or one of them inside a transaction with its next
     * statement held (true: its fencing check already passed, the row of its shard locked). Lets everything through
     * and tries again otherwise.
     * @return the try on which the state was reached
     */
    private static int holdUntil(TcpProxy gate, String role, boolean insideTransaction) {
        for (int attempt = 1; attempt <= 30; attempt++) {
            gate.hold();
            Awaitility.await("a statement of " + role + " held, and none executing")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> !gate.heldPorts().isEmpty() && sessionsOf(role).values().stream()
                    .noneMatch("active"::equals));
            Map<Integer, String> sessions = sessionsOf(role);
            Set<Integer> held = gate.heldPorts();
            boolean inside = sessions.values().stream().anyMatch((state) -> state.startsWith("idle in transaction"));
            boolean waitingToStart = held.stream().allMatch((port) -> "idle".equals(sessions.get(port)));
            if (insideTransaction ? inside : (!inside && waitingToStart)) {
                return attempt;
            }
            gate.restore();
            LockSupport.parkNanos(Duration.ofMillis(50 + 20L * attempt).toNanos());
        }
        throw new AssertionError("could not hold " + role + (insideTransaction ? " inside" : " between")
                + " transactions in 30 tries");
    }

    /** Waits up to {@code atMost} for the condition; returns whether it came true, without failing. */
    private static boolean awaitQuietly(Duration atMost, Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(condition);
            return true;
        }
        catch (ConditionTimeoutException ex) {
            return false;
        }
    }

    /** The state of every session of a role, by client port (pg_stat_activity). */
    private static Map<Integer, String> sessionsOf(String role) {
        Map<Integer, String> sessions = new TreeMap<>();
        postgres.query("SELECT client_port, state FROM pg_stat_activity WHERE usename = ?", role)
            .forEach((row) -> sessions.put(((Number) row.get("client_port")).intValue(),
                    String.valueOf(row.get("state"))));
        return sessions;
    }

    /** Takeovers ({@code INSERT INTO shard_leases ... ON CONFLICT}) waiting for a lock (pg_stat_activity). */
    private static long takeoversWaitingForALock() {
        return postgres.queryLong("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND query LIKE '%INSERT INTO shard_leases%'");
    }

    private static Map<Integer, String> owners(Collection<Integer> shards) {
        Map<Integer, String> owners = new TreeMap<>();
        postgres.query("SELECT shard, owner, fencing_token FROM shard_leases")
            .stream()
            .filter((row) -> shards.contains(((Number) row.get("shard")).intValue()))
            .forEach((row) -> owners.put(((Number) row.get("shard")).intValue(),
                    row.get("owner") + " (token " + row.get("fencing_token") + ")"));
        return owners;
    }

    /** Whether every shard has a newer token than the one given, i.e. another consumer took it over. */
    private static boolean takenOver(Map<Integer, Long> tokens) {
        Map<Integer, Long> now = new TreeMap<>();
        postgres.query("SELECT shard, fencing_token FROM shard_leases")
            .forEach((row) -> now.put(((Number) row.get("shard")).intValue(),
                    ((Number) row.get("fencing_token")).longValue()));
        return tokens.entrySet().stream().allMatch((entry) -> now.getOrDefault(entry.getKey(), 0L) > entry.getValue());
    }

    /**
     * What one database role executed, from {@code pg_stat_statements} (which counts statements of transactions that
     * rolled back too): the fencing check ({@code UPDATE shard_leases ... WHERE shard = ? AND fencing_token = ?},
     * one row when the token is current, none when it was superseded) and the reservation insert.
     */
    private record Statements(long fenceCalls, long fenceRows, long insertCalls, long insertRows) {
    }

    /** The fencing check of BatchDecider, as pg_stat_statements shows it (a LIKE pattern). */
    private static final String FENCING_CHECK = "UPDATE shard_leases SET fencing_token = fencing_token%";

    private static final String RESERVATION_INSERT = "INSERT INTO reservations%";

    private static Statements statementsOf(String role) {
        List<Map<String, Object>> rows = postgres.query("""
                SELECT coalesce(sum(s.calls) FILTER (WHERE s.query LIKE ?), 0) AS fence_calls,
                       coalesce(sum(s.rows) FILTER (WHERE s.query LIKE ?), 0) AS fence_rows,
                       coalesce(sum(s.calls) FILTER (WHERE s.query LIKE ?), 0) AS insert_calls,
                       coalesce(sum(s.rows) FILTER (WHERE s.query LIKE ?), 0) AS insert_rows
                FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
                WHERE r.rolname = ?""", FENCING_CHECK, FENCING_CHECK, RESERVATION_INSERT, RESERVATION_INSERT, role);
        Map<String, Object> row = rows.get(0);
        return new Statements(((Number) row.get("fence_calls")).longValue(),
                ((Number) row.get("fence_rows")).longValue(), ((Number) row.get("insert_calls")).longValue(),
                ((Number) row.get("insert_rows")).longValue());
    }

    /** The role's statements once they stop changing (read twice, a quarter of a second apart). */
    private static Statements awaitSettled(String role) {
        Statements[] last = { statementsOf(role) };
        Awaitility.await("statements of " + role + " settled")
            .atMost(Duration.ofSeconds(20))
            .pollDelay(Duration.ofMillis(250))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> {
                Statements now = statementsOf(role);
                boolean settled = now.equals(last[0]);
                last[0] = now;
                return settled;
            });
        return last[0];
    }

}
