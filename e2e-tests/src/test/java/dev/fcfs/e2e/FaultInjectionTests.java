package dev.fcfs.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.fcfs.loadgen.History;
import dev.fcfs.loadgen.InvariantChecker;
import dev.fcfs.loadgen.LoadDriver;
import dev.fcfs.loadgen.LoadDriver.Malformed;
import dev.fcfs.loadgen.LoadDriver.Request;
import dev.fcfs.loadgen.LoadDriver.Reserve;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.loadgen.ReservationApi.Answer;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.shared.queue.QueueKeys;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults injected into a running system of real processes: the built producer and consumer jars, against a
 * redis-server and a PostgreSQL cluster of the suite's own (never the shared servers), which the scenarios crash,
 * stop, fill up and restart. After each scenario every promise is checked through the API alone
 * ({@link InvariantChecker}: nothing lost, no oversell, one seat per user, strict line order, bad input without
 * effect), plus what only the database can tell (decisions nobody was told about, fenced-off writes). At the end the
 * suite prints a table of all scenarios and writes it to {@code e2e-tests/target/fault-report.md}.
 *
 * <p>The scenarios share one deployment (one producer, two consumers, 8 shards, lease TTL 2 s, batches of 20 so
 * that faults land mid-batch) and run in a fixed order, each on events of its own: starting the servers and
 * services once keeps the suite within a few minutes on a small machine. Each scenario starts by checking that the
 * system it inherits is healthy. How to run it alone, one scenario at a time, and what each proves:
 * docs/fault-tolerance.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionTests {

    private static final int SHARDS = 8;

    private static final Duration ALL_DECIDED_TIMEOUT = Duration.ofSeconds(120);

    /** A consumer's default id: host, pid and 8 hex digits (ConsumerConfiguration). */
    private static final String OWNER_WITH_PID = ".*-%d-[0-9a-f]{8}";

    private static final FaultReport report = new FaultReport();

    private static PrivateRedis redis;

    private static PrivatePostgres postgres;

    private static Deployment deployment;

    private static QueueKeys keys;

    /** Seeds every request mix; replay a run with {@code -Dfcfs.faults.seed=<seed printed at its start>}. */
    private static final long SEED = Long.getLong("fcfs.faults.seed", System.nanoTime());

    @BeforeAll
    static void startSystem() {
        Assumptions.assumeFalse("true".equalsIgnoreCase(System.getenv("FCFS_SKIP_FAULT_TESTS")),
                "FCFS_SKIP_FAULT_TESTS=true: fault-injection suite skipped");
        redis = PrivateRedis.create(null);
        try {
            postgres = PrivatePostgres.create();
        }
        catch (RuntimeException ex) {
            redis.close();
            throw ex;
        }
        // Deployment.start closes the servers itself if a service does not come up.
        deployment = Deployment.start("faults", BackingServers.of(redis, postgres), SHARDS, 2,
                Map.of("RESERVATION_WORKER_LEASE_TTL", "2s", "RESERVATION_WORKER_BLOCK_TIMEOUT", "1s",
                        "RESERVATION_WORKER_BATCH_SIZE", "20", "RESERVATION_WORKER_MAX_BACKOFF", "2s"));
        keys = new QueueKeys(deployment.servers().keyPrefix(), SHARDS);
        System.out.printf("FaultInjectionTests (seed %d) on %s%n", SEED, deployment);
    }

    @AfterAll
    static void stopSystem() {
        try {
            report.publish();
        }
        finally {
            if (deployment != null) {
                deployment.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Scenarios

    @Test
    @Order(1)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void hostileFloodHasNoEffectWhileValidTrafficIsServed() {
        scenario("malformed and hostile flood mixed with valid traffic", (run) -> {
            Random random = new Random(SEED + 1);
            List<Long> events = List.of(run.createEvent("hostile-small", 20), run.createEvent("hostile-medium", 80),
                    run.createEvent("hostile-large", 300), run.createEvent("hostile-open", 5000));
            long eventsBefore = postgres.queryLong("SELECT count(*) FROM events");
            List<Request> burst = Requests.interleave(random, Requests.valid(events, 1200, 500, random),
                    oddButValidUsers(events), Requests.idempotentReplays(events, 20, random),
                    Requests.malformed(events, 1000, random), hostile(events));
            // Requests whose hostility is in their headers, which the driver's Malformed cannot carry: sent alongside.
            CompletableFuture<List<String>> headerAttacks = CompletableFuture
                .supplyAsync(() -> hostileHeaders(run, events));
            run.driver.fire(burst).orTimeout(3, TimeUnit.MINUTES).join();
            List<String> headerViolations = headerAttacks.orTimeout(1, TimeUnit.MINUTES).join();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);

            List<String> violations = run.measure();
            violations.addAll(headerViolations);
            long eventsAfter = postgres.queryLong("SELECT count(*) FROM events");
            if (eventsAfter != eventsBefore) {
                violations.add("events in PostgreSQL went from " + eventsBefore + " to " + eventsAfter
                        + " although every event-creating request of the flood lacked the admin token");
            }
            run.evidence("refused bad requests by status: " + run.refusalsByStatus());
            run.evidence(headerViolations.isEmpty() ? "every header attack refused with a 4xx problem"
                    : headerViolations.size() + " header attacks not refused properly");
            assertNoViolations(violations);
        });
    }

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
                        leased.set(0, shardsLeasedBy(victim));
                        before[0] = leased.get(0).stream().mapToLong(FaultInjectionTests::processingLength).sum();
                        return before[0] >= (burst.isDone() ? 1 : 5);
                    });
                int status = victim.kill();
                List<Integer> shards = leased.get(0);
                long leftBehind = shards.stream().mapToLong(FaultInjectionTests::processingLength).sum();
                assertThat(status).as("exit status of %s", victim).isEqualTo(ServiceProcess.SIGKILL_EXIT_STATUS);
                ServiceProcess replacement = deployment.startConsumer("faults-consumer-r" + attempts);
                long killed = System.nanoTime();
                Awaitility.await("shards " + shards + " of " + victim + " taken over")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> shards.stream().noneMatch((shard) -> ownedBy(victim, leaseOwner(shard))));
                long takeOverMillis = (System.nanoTime() - killed) / 1_000_000;
                replacement.awaitHealthy();
                burst.orTimeout(2, TimeUnit.MINUTES).join();
                if (leftBehind > 0) {
                    midBatch++;
                }
                kills.add(String.format("%s: %d jobs taken and not acknowledged just before the kill, %d in its "
                        + "processing lists right after it; its shards %s taken over %d ms later", victim.name(),
                        before[0], leftBehind, shards, takeOverMillis));
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
            try (TcpGate gate = TcpGate.to("127.0.0.1", postgres.port())) {
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
                frozen.pause();
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
                frozen.resume();
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
                gate.open();
                Awaitility.await(frozenId + " serving shards again under new tokens")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !fencingTokensOf(frozenId).isEmpty() && statementsOf(role).insertCalls()
                            > after.insertCalls());
                run.evidence("it rejoined by itself, under tokens " + fencingTokensOf(frozenId));

                // 2. Frozen inside a decision transaction, after its fencing check: it holds the shard's row in
                // shard_leases, so the new owner's takeover (which bumps the token) waits for that transaction.
                tries = holdUntil(gate, role, true);
                frozen.pause();
                Map<Integer, Long> insideTokens = fencingTokensOf(frozenId);
                Statements beforeInside = statementsOf(role);
                Awaitility.await("another consumer holding the Redis leases of " + insideTokens.keySet())
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> insideTokens.keySet().stream().map(FaultInjectionTests::leaseOwner)
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
                frozen.resume();
                gate.open();
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
                    frozen.stop();
                }
            }
        });
    }

    @Test
    @Order(4)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void redisCrashedMidBurstLosesNoAcceptedRequest() {
        scenario("Redis killed (SIGKILL) mid-burst and restarted, appendfsync always", (run) -> {
            Random random = new Random(SEED + 4);
            List<Long> events = run.createEventsOnEveryShard("redis-crash", 50, 200, 800, 4000, 50, 200, 800, 4000);
            awaitTwoConsumersServing();
            List<Long> consumerPids = aliveConsumers().stream().map(ServiceProcess::pid).toList();
            AtomicLong keyCounter = new AtomicLong();
            // Every request carries an Idempotency-Key: a request whose answer was lost in the crash is retried
            // with it, so the retry finds the job if Redis had queued it instead of queueing a second one.
            SteadyTraffic traffic = run.traffic(() -> Requests.interleave(random,
                    withIdempotencyKeys(Requests.valid(events, 100, 3000, random), keyCounter),
                    Requests.malformed(events, 2, random)), 100);
            Awaitility.await("traffic flowing")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> run.driver.accepted().size() >= 300);
            long oldPid = redis.pid();
            List<ServiceProcess> consumers = aliveConsumers();
            double errorsBefore = workerErrors(consumers, "redis");
            // Hung first, then killed: the crash surely catches scripts sent and not yet answered, whose clients
            // cannot know whether their request was queued (they retry with their key, if told to).
            redis.pause();
            long frozenAt = System.nanoTime();
            Awaitility.await("requests waiting on the hung Redis")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> System.nanoTime() - Math.max(frozenAt, run.answers.lastAnswerAt()) > 300_000_000L);
            long killedAt = System.nanoTime();
            redis.kill();
            // Down until both sides have felt it: the producer refusing, the consumers failing against Redis.
            Awaitility.await("the producer refusing with 503 and the consumers failing while Redis is down")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> run.answers.count(503, killedAt, Long.MAX_VALUE) >= 20
                        && workerErrors(consumers, "redis") > errorsBefore);
            long restartedAt = System.nanoTime();
            redis.restart();
            long restartMillis = (System.nanoTime() - restartedAt) / 1_000_000;
            long downMillis = (System.nanoTime() - killedAt) / 1_000_000;
            int acceptedAtRestart = run.driver.accepted().size();
            Awaitility.await("traffic flowing again")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> run.driver.accepted().size() >= acceptedAtRestart + 300);
            traffic.stop();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            List<String> violations = run.measure();
            run.evidence(String.format("redis-server pid %d frozen with requests in flight, then killed; down %d ms "
                    + "(restart and AOF load %d ms) as pid %d; answers from the freeze until traffic flowed again: %s "
                    + "(503s retried by the clients with their Idempotency-Key)", oldPid, downMillis, restartMillis,
                    redis.pid(), run.answers.reservesByStatus(frozenAt, restartedAt + restartMillis * 1_000_000L)));
            run.evidence("AOF after the run: " + redis.info("persistence")
                .entrySet()
                .stream()
                .filter((e) -> e.getKey().startsWith("aof_enabled") || e.getKey().startsWith("aof_last_write")
                        || e.getKey().equals("aof_current_size"))
                .map(Object::toString)
                .collect(Collectors.joining(", ")));
            assertNoViolations(violations);
            assertThat(aliveConsumers().stream().map(ServiceProcess::pid).toList())
                .as("the consumers recovered by themselves, without a restart")
                .containsAll(consumerPids);
        });
    }

    @Test
    @Order(5)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void postgresDownForThirtySecondsMidBurstRejectsNothing() {
        scenario("PostgreSQL stopped (immediate) for 30 s mid-burst, then started", (run) -> {
            Random random = new Random(SEED + 5);
            List<Long> events = run.createEventsOnEveryShard("pg-outage", 40, 150, 600, 3000, 40, 150, 600, 3000);
            awaitTwoConsumersServing();
            List<ServiceProcess> consumers = aliveConsumers();
            // Bad input that the producer can refuse without PostgreSQL (reads of unknown ids need it: see the
            // next scenario).
            List<Malformed> badInput = Requests.malformed(events)
                .stream()
                .filter((request) -> "POST".equals(request.method()) && !request.description().contains("unknown"))
                .toList();
            SteadyTraffic traffic = run.traffic(() -> Requests.interleave(random,
                    Requests.valid(events, 60, 2500, random), List.of(badInput.get(random.nextInt(badInput.size())),
                            badInput.get(random.nextInt(badInput.size())))), 60);
            Awaitility.await("traffic decided")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> run.driver.accepted().size() >= 150 && run.driver.reservedSoFar() > 0);
            double errorsBefore = workerErrors(consumers, "postgres");
            long stoppedAt = System.nanoTime();
            postgres.stop("immediate");
            // The fault itself lasts 30 s, whatever happens meanwhile: a duration, not a wait for a condition.
            LockSupport.parkNanos(Duration.ofSeconds(30).toNanos());
            long waitingAtRestart = queuedJobs();
            double errorsDuring = workerErrors(consumers, "postgres") - errorsBefore;
            long startedAt = System.nanoTime();
            postgres.start();
            long restartMillis = (System.nanoTime() - startedAt) / 1_000_000;
            int acceptedAtRestart = run.driver.accepted().size();
            Awaitility.await("traffic flowing after the outage")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> run.driver.accepted().size() >= acceptedAtRestart + 200);
            traffic.stop();
            long drainStart = System.nanoTime();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;
            List<String> violations = run.measure();

            long acceptedDuringOutage = run.answers.countReserves((status) -> status == 202, stoppedAt, startedAt);
            Map<Integer, Long> duringOutage = run.answers.reservesByStatus(stoppedAt, startedAt);
            long refusedDuringOutage = duringOutage.entrySet()
                .stream()
                .filter((entry) -> entry.getKey() != 202 && entry.getKey() != 409)
                .mapToLong(Map.Entry::getValue)
                .sum();
            run.evidence(String.format("answers to valid requests during the outage: %s (%d accepted); %d jobs "
                    + "waiting in Redis when PostgreSQL came back (restart %d ms); the consumers counted %.0f failed "
                    + "attempts against PostgreSQL and decided everything %d ms after the burst ended", duringOutage,
                    acceptedDuringOutage, waitingAtRestart, restartMillis, errorsDuring, drainMillis));
            assertNoViolations(violations);
            assertThat(acceptedDuringOutage).as("requests accepted while PostgreSQL was down").isPositive();
            assertThat(refusedDuringOutage).as("valid requests refused while PostgreSQL was down: %s", duringOutage)
                .isZero();
            assertThat(consumers).as("the consumers recovered by themselves, without a restart")
                .allSatisfy((consumer) -> assertThat(consumer.isAlive()).as("%s alive", consumer).isTrue());
        });
    }

    @Test
    @Order(6)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void readsThatNeedPostgresAnswer503WhileItIsDown() {
        scenario("reads needing PostgreSQL while it is down (stop immediate)", (run) -> {
            long event = run.createEvent("pg-reads", 10);
            run.driver.fire(Requests.valid(List.of(event), 5, 5, new Random(SEED + 6))).orTimeout(1, TimeUnit.MINUTES)
                .join();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            UUID decided = run.driver.accepted().get(0).reservationId();
            ReservationApi api = run.driver.api();
            Map<String, Answer> answers = new LinkedHashMap<>();
            postgres.stop("immediate");
            try {
                answers.put("GET /events/" + event, api.send("GET", "/events/" + event, null, null, Map.of()));
                answers.put("GET /reservations/<decided>", api.reservation(decided));
                answers.put("POST /events/987654321/reservations (unknown to Redis)",
                        api.reserve(987_654_321L, "pg-reads-user", null));
                run.extraSent.addAndGet(answers.size());
            }
            finally {
                postgres.start();
            }
            answers.forEach((what, answer) -> run.evidence(what + " while PostgreSQL was down: " + answer
                    + " (Retry-After " + answer.header("Retry-After") + ")"));
            // The producer's pool finds its connections broken by the restart on first use: readable again soon.
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            List<String> violations = run.measure();
            assertNoViolations(violations);
            // An outage is not an error of the service's own, nor an answer about the resource: 503, retry later.
            List<String> unclear = answers.entrySet()
                .stream()
                .filter((entry) -> !isClearRefusal(entry.getValue(), 503))
                .map((entry) -> entry.getKey() + " answered " + entry.getValue().status() + " (Retry-After "
                        + entry.getValue().header("Retry-After") + ")")
                .toList();
            if (!unclear.isEmpty()) {
                throw new AssertionError(String.join("; ", unclear) + ": expected 503 with Retry-After");
            }
        });
    }

    @Test
    @Order(7)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void redisAtMaxmemoryRefusesClearlyAndEvictsNothing() {
        scenario("Redis at maxmemory (noeviction): flood until refused", (run) -> {
            List<Long> events = run.createEventsOnEveryShard("maxmemory", 5000, 5000, 5000, 5000, 5000, 5000, 5000,
                    5000);
            awaitTwoConsumersServing();
            long used = redis.usedMemory();
            long limit = used + 2 * 1024 * 1024;
            AtomicLong keyCounter = new AtomicLong();
            Random random = new Random(SEED + 7);
            try {
                redis.setMaxmemory(limit);
                // Each request carries an Idempotency-Key, whose answer Redis keeps for a day: memory grows with
                // every request whatever the consumers take off the queues, as it does in a real drop.
                int[] chunks = new int[1];
                List<Answer> refusals = floodUntilRefused(run, events, random, keyCounter, chunks);
                Map<String, String> stats = redis.info("stats");
                Map<String, String> memory = redis.info("memory");
                run.evidence(String.format("maxmemory %d bytes (%d used before); first refusal in chunk %d of 64 "
                        + "requests; then used_memory %s, evicted_keys %s, maxmemory_policy %s", limit, used, chunks[0],
                        memory.get("used_memory"), stats.get("evicted_keys"), memory.get("maxmemory_policy")));
                run.evidence("answers to valid requests by status, resends included: "
                        + run.answers.reservesByStatus(0, Long.MAX_VALUE));
                refusals.stream().limit(3).forEach((refusal) -> run.evidence("refusal at the limit: " + refusal
                        + " (Retry-After " + refusal.header("Retry-After") + ")"));
                // Nothing accepted may be lost: the consumers must still decide every 202, at the limit.
                long undecided = run.driver.awaitDecided(ALL_DECIDED_TIMEOUT, (decided) -> {
                });
                run.evidence(undecided + " accepted reservations undecided at the end, Redis still at its limit");
                List<String> violations = run.measure(FaultInjectionTests::refusedForMemory);
                assertThat(redis.info("stats").get("evicted_keys")).as("keys evicted").isEqualTo("0");
                assertClearRefusals(run, refusals);
                assertNoViolations(violations);
            }
            finally {
                redis.setMaxmemory(0);
            }
        });
    }

    @Test
    @Order(8)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void redisFilledWhileConsumersStalledStillDrainsOnceTheyResume() {
        scenario("Redis filled to maxmemory while both consumers are frozen, then resumed", (run) -> {
            List<Long> events = run.createEventsOnEveryShard("stalled", 5000, 5000, 5000, 5000, 5000, 5000, 5000,
                    5000);
            awaitTwoConsumersServing();
            List<ServiceProcess> consumers = aliveConsumers();
            long used = redis.usedMemory();
            long limit = used + 1024 * 1024;
            Random random = new Random(SEED + 8);
            long undecided = -1;
            try {
                // The consumers stall (a long GC pause, a slow deploy, a PostgreSQL outage would do the same) while
                // the drop goes on: the queues alone fill Redis up to its limit.
                consumers.forEach(ServiceProcess::pause);
                redis.setMaxmemory(limit);
                int[] chunks = new int[1];
                List<Answer> refusals = floodUntilRefused(run, events, random, null, chunks);
                Map<String, String> memory = redis.info("memory");
                run.evidence(String.format("maxmemory %d bytes (%d used before), consumers frozen; first refusal in "
                        + "chunk %d of 64 requests; used_memory %s, %d jobs queued; answers by status %s", limit, used,
                        chunks[0], memory.get("used_memory"), queuedJobs(),
                        run.answers.reservesByStatus(0, Long.MAX_VALUE)));
                refusals.stream().limit(2).forEach((refusal) -> run.evidence("refusal at the limit: " + refusal
                        + " (Retry-After " + refusal.header("Retry-After") + ")"));
                consumers.forEach(ServiceProcess::resume);
                // Nothing accepted may be lost: resumed, the consumers must decide every 202, Redis still full.
                undecided = run.driver.awaitDecided(Duration.ofSeconds(30), (decided) -> {
                });
                run.evidence(String.format("%d accepted reservations undecided 30 s after the consumers resumed, Redis "
                        + "at its limit; %d jobs queued; shards leased: %s", undecided, queuedJobs(),
                        consumers.stream().map((c) -> c.name() + " " + shardsLeasedBy(c)).toList()));
                List<String> violations = run.measure(FaultInjectionTests::refusedForMemory);
                assertThat(redis.info("stats").get("evicted_keys")).as("keys evicted").isEqualTo("0");
                assertClearRefusals(run, refusals);
                assertNoViolations(violations);
            }
            finally {
                consumers.stream().filter(ServiceProcess::isPaused).forEach(ServiceProcess::resume);
                redis.setMaxmemory(0);
                if (undecided != 0) {
                    // Stalled or lost? With the limit lifted, what was only stalled is decided now.
                    long afterLifting = run.driver.awaitDecided(Duration.ofSeconds(60), (decided) -> {
                    });
                    run.evidence("after lifting maxmemory: " + afterLifting + " still undecided within 60 s");
                }
            }
        });
    }

    /**
     * Sends chunks of 64 valid requests (user ids of the longest length) until Redis refuses; from the first refusal
     * on, probes alongside the flood (which keeps Redis at its limit) until a probe is refused too, to read what the
     * refusal looks like: the driver keeps only statuses. A probe that is accepted instead is sent again through the
     * driver with the same Idempotency-Key, a replay, so that the history knows it.
     * @param keys Idempotency-Key numbering, or null to send none
     * @param chunks set to how many chunks it took
     * @return the refused probes
     */
    private static List<Answer> floodUntilRefused(Run run, List<Long> events, Random random, AtomicLong keys,
            int[] chunks) {
        ReservationApi api = run.driver.api();
        List<Answer> refusals = new ArrayList<>();
        int probes = 0;
        while (refusals.isEmpty()) {
            assertThat(++chunks[0]).as("chunks of 64 sent before a refusal could be read").isLessThanOrEqualTo(400);
            List<Reserve> requests = longUsers(events, 64, random);
            CompletableFuture<Void> chunk = run.driver.fire((keys != null) ? withIdempotencyKeys(requests, keys)
                    : requests);
            while (!chunk.isDone() && refusals.isEmpty()) {
                if (run.answers.count((status) -> status != 202, 0, Long.MAX_VALUE) == 0) {
                    LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
                    continue;
                }
                long event = events.get(probes++ % events.size());
                String user = "probe-" + probes + "-" + UUID.randomUUID().toString().substring(0, 8);
                String key = "probe-" + UUID.randomUUID();
                Answer answer = api.reserve(event, user, key);
                if (answer.status() == 202) {
                    run.driver.fire(List.of(new Reserve(event, user, key, false)))
                        .orTimeout(1, TimeUnit.MINUTES)
                        .join();
                }
                else {
                    run.extraSent.incrementAndGet();
                    refusals.add(answer);
                }
            }
            chunk.orTimeout(2, TimeUnit.MINUTES).join();
        }
        return refusals;
    }

    /** Refusals at the memory limit must be 503 or 429, problem+json, with Retry-After; never another 5xx. */
    private static void assertClearRefusals(Run run, List<Answer> refusals) {
        long otherErrors = run.answers.count((status) -> status >= 500 && status != 503, 0, Long.MAX_VALUE);
        if (otherErrors > 0) {
            throw new AssertionError(otherErrors + " answers were 5xx other than 503 at the memory limit: "
                    + run.answers.reservesByStatus(0, Long.MAX_VALUE));
        }
        List<Answer> unclear = refusals.stream()
            .filter((refusal) -> !isClearRefusal(refusal, 503) && !isClearRefusal(refusal, 429))
            .toList();
        if (refusals.isEmpty() || !unclear.isEmpty()) {
            throw new AssertionError("refusals at the memory limit must be 503 or 429, problem+json, with "
                    + "Retry-After; got " + (refusals.isEmpty() ? "none to look at" : unclear));
        }
    }

    private static boolean isClearRefusal(Answer answer, int status) {
        String retryAfter = answer.header("Retry-After");
        return answer.status() == status && answer.isProblem() && retryAfter != null && !retryAfter.isBlank();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Request mixes

    /** Users whose ids are valid but look like attacks or break naive code: each must come back exactly as sent. */
    private static List<Reserve> oddButValidUsers(List<Long> events) {
        List<String> users = List.of("O'Brien'); DROP TABLE reservations;--", "\" OR \"1\"=\"1",
                "<script>alert(1)</script>", "../../etc/passwd", "%s%d%n%x", "${jndi:ldap://example.invalid/a}",
                "{\"v\":1,\"id\":\"x\",\"pos\":1}", "back\\slash\\", "ünïcödé-用户-🎟️", "\u202Eright-to-left",
                "zero\u200Bwidth", "🎟".repeat(32), "null", "undefined", "NaN", "-1", " spaced ", "redis.call('DEL')",
                "KEYS *", "\\u0000-not-really");
        List<Reserve> requests = new ArrayList<>();
        for (int i = 0; i < users.size(); i++) {
            long event = events.get(i % events.size());
            requests.add(new Reserve(event, users.get(i)));
            // a second request of the same user: must be a DUPLICATE
            requests.add(new Reserve(event, users.get(i)));
        }
        return requests;
    }

    /** Bad input beyond {@link Requests#malformed(List)}: parser bombs, smuggled fields, operator calls, methods. */
    private static List<Malformed> hostile(List<Long> events) {
        List<Malformed> requests = new ArrayList<>();
        String json = "application/json";
        for (long event : events) {
            String path = "/events/" + event + "/reservations";
            requests.add(new Malformed("JSON nested 5000 deep", "POST", path, json,
                    "{\"userId\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
            requests.add(new Malformed("number of 10000 digits", "POST", path, json,
                    "{\"userId\":" + "9".repeat(10_000) + "}"));
            requests.add(new Malformed("userId with NUL", "POST", path, json, "{\"userId\":\"a\\u0000b\"}"));
            requests.add(new Malformed("userId a lone surrogate", "POST", path, json, "{\"userId\":\"\\ud800\"}"));
            requests.add(new Malformed("userId with a line break", "POST", path, json, "{\"userId\":\"a\\nb\"}"));
            requests.add(new Malformed("userId twice", "POST", path, json, "{\"userId\":\"a\",\"userId\":\"b\"}"));
            requests.add(new Malformed("userId a number", "POST", path, json, "{\"userId\":5}"));
            requests.add(new Malformed("two documents", "POST", path, json, "{\"userId\":\"x\"} {\"userId\":\"y\"}"));
            requests.add(new Malformed("smuggled seat field", "POST", path, json, "{\"userId\":\"x\",\"seat\":1}"));
            requests.add(new Malformed("__proto__", "POST", path, json, "{\"__proto__\":{\"userId\":\"x\"}}"));
            requests.add(new Malformed("PUT on reservations", "PUT", path, json, "{\"userId\":\"x\"}"));
            requests.add(new Malformed("DELETE an event", "DELETE", "/events/" + event, null, null));
            requests.add(new Malformed("PATCH an event", "PATCH", "/events/" + event, json, "{\"capacity\":1000000}"));
        }
        requests.add(new Malformed("create an event without the admin token", "POST", "/events", json,
                "{\"name\":\"evil\",\"capacity\":1000000}"));
        requests.add(new Malformed("list dead letters without the admin token", "GET", "/admin/dead-letters", null,
                null));
        requests.add(new Malformed("requeue dead letters without the admin token", "POST",
                "/admin/dead-letters/0/requeue-all", null, null));
        requests.add(new Malformed("DELETE a reservation", "DELETE", "/reservations/" + UUID.randomUUID(), null, null));
        return requests;
    }

    /**
     * Requests that are hostile through their headers, sent directly: each must be refused with a 4xx problem and
     * have no effect (a 202 nobody recorded would leave a gap in the positions, which the checker reports).
     * @return what went wrong, empty if nothing did
     */
    private static List<String> hostileHeaders(Run run, List<Long> events) {
        ReservationApi api = run.driver.api();
        List<String> violations = new ArrayList<>();
        String json = "application/json";
        List<Object[]> attacks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String path = "/events/" + events.get(i % events.size()) + "/reservations";
            String body = "{\"userId\":\"header-attacker-" + i + "\"}";
            attacks.add(new Object[] { "Idempotency-Key of 256 characters", "POST", path, body,
                    Map.of("Idempotency-Key", "k".repeat(256)) });
            attacks.add(new Object[] { "Idempotency-Key with a space", "POST", path, body,
                    Map.of("Idempotency-Key", "a b") });
            attacks.add(new Object[] { "wrong admin token", "POST", "/events",
                    "{\"name\":\"evil\",\"capacity\":5}", Map.of("Authorization", "Bearer not-the-token-" + i) });
            attacks.add(new Object[] { "Basic credentials for the admin API", "POST", "/events",
                    "{\"name\":\"evil\",\"capacity\":5}", Map.of("Authorization", "Basic YWRtaW46YWRtaW4=") });
            attacks.add(new Object[] { "admin token as a query-string lookalike header", "GET", "/admin/dead-letters",
                    null, Map.of("X-Admin-Token", "anything") });
        }
        for (Object[] attack : attacks) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) attack[4];
            Answer answer = api.send((String) attack[1], (String) attack[2], (attack[3] != null) ? json : null,
                    (String) attack[3], headers);
            run.extraSent.incrementAndGet();
            if (answer.status() < 400 || answer.status() > 499 || !answer.isProblem()) {
                violations.add("header attack (" + attack[0] + ") not refused with a 4xx problem: " + answer);
            }
        }
        // Bytes no HTTP client library sends (java.net.http turns non-ASCII header text into '?'), over a socket.
        int port = deployment.producer().port();
        Map<String, RawHttp.Reply> connectorLevel = new TreeMap<>();
        for (int i = 0; i < events.size(); i++) {
            String path = "/events/" + events.get(i) + "/reservations";
            String body = "{\"userId\":\"raw-attacker-" + i + "\"}";
            byte[] utf8Key = concat(RawHttp.ascii("Idempotency-Key: cl"), new byte[] { (byte) 0xC3, (byte) 0xA9 });
            byte[] latin1Key = concat(RawHttp.ascii("Idempotency-Key: cl"), new byte[] { (byte) 0xE9 });
            for (byte[] header : List.of(utf8Key, latin1Key)) {
                RawHttp.Reply reply = RawHttp.send(port, RawHttp.post(path, body, header));
                run.extraSent.incrementAndGet();
                if (reply.status() != 400 || !reply.isProblem()) {
                    violations.add("Idempotency-Key with non-ASCII bytes not refused with a 400 problem: " + reply);
                }
            }
            // Refused by the HTTP connector before any application code runs: a 4xx, whatever its body.
            Map<String, byte[]> garbage = new LinkedHashMap<>();
            garbage.put("header block of 40 KB",
                    RawHttp.post(path, body, RawHttp.ascii("X-Padding: " + "a".repeat(40_000))));
            garbage.put("NUL in a header value", RawHttp.post(path, body, RawHttp.ascii("Idempotency-Key: a\u0000b")));
            garbage.put("garbage request line", RawHttp.ascii("GARBAGE\r\n\r\n"));
            garbage.put("broken chunked body", RawHttp.ascii("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "zz\r\n" + body + "\r\n0\r\n\r\n"));
            garbage.forEach((what, bytes) -> {
                RawHttp.Reply reply = RawHttp.send(port, bytes);
                run.extraSent.incrementAndGet();
                connectorLevel.put(what, reply);
                if (reply.status() < 400 || reply.status() > 499) {
                    violations.add("raw request (" + what + ") not refused with a 4xx: " + reply);
                }
            });
        }
        connectorLevel.forEach((what, reply) -> run.evidence("raw request, " + what + ": " + reply.status() + " "
                + reply.contentType()));
        return violations;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /** The same requests, each with an Idempotency-Key of its own. */
    private static List<Reserve> withIdempotencyKeys(List<Reserve> requests, AtomicLong counter) {
        return requests.stream()
            .map((request) -> new Reserve(request.eventId(), request.userId(),
                    "fault-" + counter.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8), false))
            .toList();
    }

    /** One request per event and user, with user ids of the longest accepted length: as much memory as can be. */
    private static List<Reserve> longUsers(List<Long> events, int count, Random random) {
        return IntStream.range(0, count).mapToObj((i) -> {
            String user = "memory-" + Long.toHexString(random.nextLong()) + "-";
            return new Reserve(events.get(random.nextInt(events.size())), user + "m".repeat(64 - user.length()));
        }).toList();
    }

    /** At the memory limit a valid request may be refused, as long as it says so: 503 or 429 (with Retry-After). */
    private static boolean refusedForMemory(String failure) {
        return failure.contains("expected 202, got 503 ") || failure.contains("expected 202, got 429 ");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Looking at the system

    /** Consumers running (alive and not frozen), oldest first. */
    private static List<ServiceProcess> aliveConsumers() {
        return deployment.consumers().stream().filter((c) -> c.isAlive() && !c.isPaused()).toList();
    }

    /** Each scenario starts from two healthy consumers serving every shard. */
    private static void awaitTwoConsumersServing() {
        List<ServiceProcess> consumers = aliveConsumers();
        assertThat(consumers).as("consumers alive at the start of the scenario").hasSizeGreaterThanOrEqualTo(2);
        consumers.forEach(ServiceProcess::awaitHealthy);
        Awaitility.await("every shard leased")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> IntStream.range(0, SHARDS).allMatch((shard) -> leaseOwner(shard) != null));
    }

    /** Every live consumer leases at least one shard: the next fault hits a system that shares its work. */
    private static void awaitEveryConsumerServing() {
        Awaitility.await("every consumer serving shards")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> aliveConsumers().stream().allMatch((consumer) -> !shardsLeasedBy(consumer).isEmpty()));
    }

    private static String leaseOwner(int shard) {
        return redis.call((commands) -> commands.get(keys.lease(shard)));
    }

    private static boolean ownedBy(ServiceProcess consumer, String owner) {
        return owner != null && Pattern.matches(String.format(OWNER_WITH_PID, consumer.pid()), owner);
    }

    private static List<Integer> shardsLeasedBy(ServiceProcess consumer) {
        return IntStream.range(0, SHARDS).filter((shard) -> ownedBy(consumer, leaseOwner(shard))).boxed().toList();
    }

    private static long processingLength(int shard) {
        return redis.call((commands) -> commands.llen(keys.processing(shard)));
    }

    /** Jobs a consumer has taken into the processing lists of the shards it leases and not acknowledged yet. */
    private static long jobsInFlight(ServiceProcess consumer) {
        return shardsLeasedBy(consumer).stream().mapToLong(FaultInjectionTests::processingLength).sum();
    }

    /** Jobs waiting in the shard queues (not yet taken). */
    private static long queuedJobs() {
        return IntStream.range(0, SHARDS).mapToLong((shard) -> redis.call((c) -> c.llen(keys.queue(shard)))).sum();
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
    private static int holdUntil(TcpGate gate, String role, boolean insideTransaction) {
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
            gate.open();
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

    /** Sum of {@code reservation_worker_errors_total{backend=...}} over the consumers that answer. */
    private static double workerErrors(List<ServiceProcess> consumers, String backend) {
        double sum = 0;
        for (ServiceProcess consumer : consumers) {
            try {
                sum += Prometheus.sum(consumer.get("/actuator/prometheus"), "reservation_worker_errors_total",
                        "backend=\"" + backend + "\"");
            }
            catch (RuntimeException ex) {
                // not answering right now: counted as nothing
            }
        }
        return sum;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Running a scenario

    private static void assertNoViolations(List<String> violations) {
        if (!violations.isEmpty()) {
            throw new AssertionError(violations.size() + " broken promises (seed " + SEED + "), first: "
                    + violations.get(0) + "\nall:\n" + String.join("\n", violations));
        }
    }

    @FunctionalInterface
    private interface Body {

        void run(Run run) throws Exception;

    }

    /**
     * Runs one scenario with a driver of its own, and records its row in the report whatever happens: measured if the
     * scenario got that far (or measured now, as well as the system allows), PASS or FAIL with the reason.
     */
    private static void scenario(String name, Body body) {
        FaultReport.Row row = report.begin(name);
        long started = System.nanoTime();
        try (Run run = new Run(row)) {
            try {
                body.run(run);
                row.passed(Duration.ofNanos(System.nanoTime() - started));
            }
            catch (Throwable failure) {
                if (row.tally() == null) {
                    run.measureQuietly();
                }
                row.failed(failure, Duration.ofNanos(System.nanoTime() - started));
                throw failure;
            }
        }
        catch (RuntimeException | Error ex) {
            throw ex;
        }
        catch (Throwable ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** One scenario's driver, its record of every answer, and its way to the report. */
    private static final class Run implements AutoCloseable {

        final FaultReport.Row row;

        final Answers answers = new Answers();

        final LoadDriver driver;

        final List<Long> events = new ArrayList<>();

        /** Requests sent outside the driver (probes, header attacks), for the "sent" column. */
        final AtomicLong extraSent = new AtomicLong();

        private final List<SteadyTraffic> traffic = new ArrayList<>();

        Run(FaultReport.Row row) {
            this.row = row;
            this.driver = new LoadDriver(new ReservationApi(deployment.producer().baseUri(), deployment.adminToken()),
                    LoadDriver.DEFAULT_CONCURRENCY, this.answers);
        }

        long createEvent(String name, int capacity) {
            long id = this.driver.createEvent(name, capacity).id();
            this.events.add(id);
            return id;
        }

        /** One event per capacity; with as many capacities as shards, consecutive ids put one on every shard. */
        List<Long> createEventsOnEveryShard(String name, int... capacities) {
            List<Long> created = new ArrayList<>();
            for (int i = 0; i < capacities.length; i++) {
                created.add(createEvent(name + "-" + (i + 1), capacities[i]));
            }
            return created;
        }

        SteadyTraffic traffic(Supplier<List<? extends Request>> chunks, double perSecond) {
            SteadyTraffic started = SteadyTraffic.start(this.driver, chunks, perSecond);
            this.traffic.add(started);
            return started;
        }

        void evidence(String line) {
            this.row.evidence(line);
        }

        List<String> measure() {
            return measure((failure) -> false);
        }

        /**
         * Reads every accepted reservation and every event back, fills the row's counts, and returns every broken
         * promise: the checker's, decisions in PostgreSQL without a 202, and jobs parked as dead letters.
         * @param tolerated failures of valid requests that the scenario allows (they count as not sent)
         */
        List<String> measure(Predicate<String> tolerated) {
            History raw = this.driver.history();
            List<String> allowed = raw.failures().stream().filter(tolerated).toList();
            History history = allowed.isEmpty() ? raw
                    : new History(raw.capacities(), raw.accepted(), raw.decisions(), raw.events(), raw.refusals(),
                            raw.soldOutAtDoor(), raw.validRequests() - allowed.size(),
                            raw.failures().stream().filter(tolerated.negate()).toList());
            long rows = postgres.queryLong(
                    "SELECT count(*) FROM reservations WHERE event_id = ANY(string_to_array(?, ',')::bigint[])",
                    this.events.stream().map(String::valueOf).collect(Collectors.joining(",")));
            long sent = raw.validRequests() + raw.refusals().size() + this.extraSent.get();
            this.row.measured(Tally.of(history, sent, rows));
            List<String> violations = new ArrayList<>(InvariantChecker.violations(history));
            if (rows != history.accepted().size()) {
                violations.add("PostgreSQL holds " + rows + " decisions for the scenario's events, " + "but "
                        + history.accepted().size() + " requests were accepted");
                Set<UUID> accepted = history.accepted()
                    .stream()
                    .map(History.Accepted::reservationId)
                    .collect(Collectors.toSet());
                postgres.query("SELECT id, event_id, user_id, position, status, reason, seat_number FROM reservations "
                        + "WHERE event_id = ANY(string_to_array(?, ',')::bigint[]) ORDER BY event_id, position",
                        this.events.stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .stream()
                    .filter((row) -> !accepted.contains((UUID) row.get("id")))
                    .limit(10)
                    .forEach((row) -> evidence("decided in PostgreSQL without a 202 to anyone: " + row + "; what "
                            + "its user was answered: " + history.failures()
                                .stream()
                                .filter((failure) -> failure.contains(" user " + row.get("user_id") + " "))
                                .findFirst()
                                .orElse("(no failed request of that user)")));
            }
            long dead = IntStream.range(0, SHARDS)
                .mapToLong((shard) -> redis.call((c) -> c.llen(keys.deadLetter(shard))))
                .sum();
            if (dead > 0) {
                violations.add(dead + " jobs parked as dead letters");
            }
            if (!allowed.isEmpty()) {
                evidence(allowed.size() + " valid requests refused as allowed here, e.g. " + allowed.get(0));
            }
            System.out.printf("%s (seed %d): %s%n", this.row.scenario(), SEED, InvariantChecker.summary(history));
            return violations;
        }

        /** After a failure: counts what can still be counted, never throws. */
        void measureQuietly() {
            try {
                CompletableFuture.runAsync(() -> measure((failure) -> true)).get(90, TimeUnit.SECONDS);
            }
            catch (Exception ex) {
                evidence("could not measure after the failure: " + ex);
            }
        }

        String refusalsByStatus() {
            return this.driver.history()
                .refusals()
                .stream()
                .collect(Collectors.groupingBy(History.Refusal::status, TreeMap::new, Collectors.counting()))
                .toString();
        }

        @Override
        public void close() {
            this.traffic.forEach(SteadyTraffic::close);
            this.driver.close();
        }

    }

    /** Every answer a driver got, with when it came: to count answers of a kind within a fault's window. */
    private static final class Answers implements LoadDriver.Listener {

        private record Seen(long at, int status, boolean reserve) {
        }

        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

        private final AtomicLong lastAnswerAt = new AtomicLong();

        @Override
        public void answered(Request request, int attempt, int status, long latencyNanos) {
            long now = System.nanoTime();
            this.seen.add(new Seen(now, status, request instanceof Reserve));
            if (request instanceof Reserve) {
                this.lastAnswerAt.accumulateAndGet(now, Math::max);
            }
        }

        /** {@link System#nanoTime()} of the latest answer to a reservation request. */
        long lastAnswerAt() {
            return this.lastAnswerAt.get();
        }

        /** Answers to reservation requests with this status between two {@link System#nanoTime()} readings. */
        long count(int status, long from, long to) {
            return countReserves((s) -> s == status, from, to);
        }

        long count(IntPredicate status, long from, long to) {
            return countReserves(status, from, to);
        }

        long countReserves(IntPredicate status, long from, long to) {
            return this.seen.stream()
                .filter((s) -> s.reserve() && s.at() >= from && s.at() <= to && status.test(s.status()))
                .count();
        }

        Map<Integer, Long> reservesByStatus(long from, long to) {
            return this.seen.stream()
                .filter((s) -> s.reserve() && s.at() >= from && s.at() <= to)
                .collect(Collectors.groupingBy(Seen::status, TreeMap::new, Collectors.counting()));
        }

    }

}
