package dev.fcfs.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.fcfs.loadgen.LoadDriver.Reserve;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.loadgen.ReservationApi.Answer;
import dev.fcfs.testsupport.ServiceProcess;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults of Redis: crashed (SIGSTOP, then SIGKILL) mid-burst and restarted on its append-only file, and filled to
 * {@code maxmemory}, with the consumers draining or frozen. Nothing accepted may be lost or evicted, and refusals
 * must say so clearly. Part of the fault-injection suite: see {@link FaultScenarios}.
 */
@Order(Order.DEFAULT + 3)
class RedisFaultTests extends FaultScenarios {

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
            redis.freeze();
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
                List<String> violations = run.measure(RedisFaultTests::refusedForMemory);
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
                consumers.forEach(ServiceProcess::freeze);
                redis.setMaxmemory(limit);
                int[] chunks = new int[1];
                List<Answer> refusals = floodUntilRefused(run, events, random, null, chunks);
                Map<String, String> memory = redis.info("memory");
                run.evidence(String.format("maxmemory %d bytes (%d used before), consumers frozen; first refusal in "
                        + "chunk %d of 64 requests; used_memory %s, %d jobs queued; answers by status %s", limit, used,
                        chunks[0], memory.get("used_memory"), shards.queuedJobs(),
                        run.answers.reservesByStatus(0, Long.MAX_VALUE)));
                refusals.stream().limit(2).forEach((refusal) -> run.evidence("refusal at the limit: " + refusal
                        + " (Retry-After " + refusal.header("Retry-After") + ")"));
                consumers.forEach(ServiceProcess::thaw);
                // Nothing accepted may be lost: resumed, the consumers must decide every 202, Redis still full.
                undecided = run.driver.awaitDecided(Duration.ofSeconds(30), (decided) -> {
                });
                run.evidence(String.format("%d accepted reservations undecided 30 s after the consumers resumed, Redis "
                        + "at its limit; %d jobs queued; shards leased: %s", undecided, shards.queuedJobs(),
                        consumers.stream().map((c) -> c.name() + " " + shards.leasedBy(c)).toList()));
                List<String> violations = run.measure(RedisFaultTests::refusedForMemory);
                assertThat(redis.info("stats").get("evicted_keys")).as("keys evicted").isEqualTo("0");
                assertClearRefusals(run, refusals);
                assertNoViolations(violations);
            }
            finally {
                consumers.stream().filter(ServiceProcess::isFrozen).forEach(ServiceProcess::thaw);
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

    // ------------------------------------------------------------------------------------------------------------

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

}
