package dev.fcfs.producer.reservation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.EnqueueBatch.Status;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.PrivateRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ScriptOutputType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The batcher the accept path runs {@code enqueue.lua} through, on a Redis of the test's own (so its command
 * statistics and slow log, which records every command here, hold only this test's commands): concurrent requests of
 * one shard share script runs, yet each gets exactly its own outcome.
 */
class EnqueueBatcherIntegrationTests {

    /** How long Redis stops answering in the timeout test: far longer than the requests may take to time out. */
    private static final Duration PAUSE = Duration.ofSeconds(5);

    /** Three shards; event n is on shard n mod 3. */
    private static final QueueKeys KEYS = new QueueKeys("batcher-test", 3);

    private final JobCodec codec = new JobCodec();

    private PrivateRedis server;

    private LettuceConnectionFactory connections;

    private EnqueueBatcher batcher;

    @BeforeEach
    void start() {
        this.server = PrivateRedis.start("--slowlog-log-slower-than", "0", "--slowlog-max-len", "100000");
        // as the producer configures Lettuce (RedisConfiguration): commands are rejected while disconnected
        this.connections = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(this.server.host(), this.server.port()),
                LettuceClientConfiguration.builder()
                    .clientOptions(ClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .build())
                    .build());
        this.connections.afterPropertiesSet();
        this.connections.start();
        this.batcher = batcherWithTimeout(Duration.ofSeconds(10));
        this.batcher.start();
        for (long event = 1; event <= 6; event++) {
            register(event);
        }
    }

    @AfterEach
    void stop() throws Exception {
        this.batcher.stop();
        this.batcher.destroy();
        this.connections.destroy();
        this.server.close();
    }

    @Test
    void concurrentRequestsOfAShardShareScriptRunsAndEachGetsItsOwnOutcome() throws Exception {
        int callers = 64;
        int requestsEach = 50;
        Map<UUID, EnqueueBatch.Outcome> outcomes = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                // events 1, 2 and 3: one on each shard
                long event = 1 + caller % 3;
                String user = "u-" + caller;
                done.add(threads.submit(() -> {
                    go.await();
                    for (int i = 0; i < requestsEach; i++) {
                        UUID id = ReservationId.newFor(event);
                        outcomes.put(id, this.batcher.enqueue(id, event, user, null));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }

        assertThat(outcomes).hasSize(callers * requestsEach);
        Map<Long, Set<Long>> positions = new HashMap<>();
        for (Map.Entry<UUID, EnqueueBatch.Outcome> outcome : outcomes.entrySet()) {
            UUID id = outcome.getKey();
            assertThat(outcome.getValue().status()).as("status of %s", id).isEqualTo(Status.ACCEPTED);
            ReservationJob job = outcome.getValue().job();
            assertThat(job.reservationId()).as("id answered for %s", id).isEqualTo(id);
            // what the script queued for this request, in its event's shard, is what its caller was answered
            assertThat(this.codec.decode(this.batcher.pendingJob(id, job.eventId()))).as("queued job of %s", id)
                .isEqualTo(job);
            positions.computeIfAbsent(job.eventId(), (event) -> new HashSet<>()).add(job.position());
        }
        assertThat(positions.values().stream().mapToInt(Set::size).sum()).as("distinct positions per event")
            .isEqualTo(callers * requestsEach);
        assertThat(largestRun()).as("requests in the largest script run")
            .isGreaterThan(1)
            .isLessThanOrEqualTo(EnqueueBatcher.MAX_REQUESTS_PER_RUN);
        assertThat(scriptRuns()).as("script runs for %d requests", callers * requestsEach)
            .isLessThan(callers * requestsEach);
    }

    @Test
    void runsTheScriptByItsTextWhenRedisForgotIt() {
        assertThat(enqueue(1, "before").status()).isEqualTo(Status.ACCEPTED);
        this.server.commands().scriptFlush();

        assertThat(enqueue(1, "after").status()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void aFailedRunFailsItsRequestsAsADataAccessExceptionAndTheNextOneWorks() {
        // event 4 shares shard 1 with event 1; a string where its hash should be makes the script fail
        this.server.commands().del(KEYS.event(4));
        this.server.commands().set(KEYS.event(4), "not a hash");

        assertThatExceptionOfType(RedisSystemException.class).isThrownBy(() -> enqueue(4, "u-1"))
            .havingRootCause()
            .withMessageContaining("WRONGTYPE");

        assertThat(enqueue(1, "u-2").status()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void passesTextThatIsNotAsciiThroughUnchanged() {
        String user = "Zoë-東京-\uD83C\uDFAB";

        // in a key (the user's idempotency slot), in the arguments, and back in the reply (the replayed job)
        EnqueueBatch.Outcome first = this.batcher.enqueue(ReservationId.newFor(1), 1, user, "k-1");
        EnqueueBatch.Outcome replay = this.batcher.enqueue(ReservationId.newFor(1), 1, user, "k-1");

        assertThat(first.status()).isEqualTo(Status.ACCEPTED);
        assertThat(this.codec.decode(this.batcher.pendingJob(first.job().reservationId(), 1)).userId())
            .isEqualTo(user);
        assertThat(replay.status()).isEqualTo(Status.REPLAY);
        assertThat(this.codec.decode(replay.replayedJob())).isEqualTo(first.job());
    }

    @Test
    void sendsALoneSurrogateAsLettuceDoesAndTheConnectionStaysInStep() {
        // the codec states each argument's size in advance: a wrong size would garble every command after it
        EnqueueBatch.Outcome lone = enqueue(1, "a\uD800b");
        assertThat(this.codec.decode(this.batcher.pendingJob(lone.job().reservationId(), 1)).userId())
            .isEqualTo("a?b");

        EnqueueBatch.Outcome next = enqueue(1, "next");
        assertThat(this.codec.decode(this.batcher.pendingJob(next.job().reservationId(), 1)).userId())
            .isEqualTo("next");
    }

    @Test
    void answersAFinalRefusalAgainWithoutTheScriptUnlessAnIdempotencyKeyMayHoldAnEarlierAnswer() {
        this.server.commands().hset(KEYS.event(2), "soldOut", "1");
        assertThat(enqueue(2, "u-1").status()).isEqualTo(Status.SOLD_OUT);
        long runs = scriptRuns();
        // the flag is never lowered in production: lowered here, it shows who answers
        this.server.commands().hdel(KEYS.event(2), "soldOut");

        assertThat(enqueue(2, "u-2").status()).isEqualTo(Status.SOLD_OUT);
        assertThat(scriptRuns()).as("script runs").isEqualTo(runs);
        assertThat(this.batcher.enqueue(ReservationId.newFor(2), 2, "u-3", "k-1").status())
            .isEqualTo(Status.ACCEPTED);
    }

    @Test
    void aRunRedisDoesNotAnswerInTimeFailsAsATimeoutAndTheRequestsBehindItGoOutAfterIt() throws Exception {
        EnqueueBatcher impatient = batcherWithTimeout(Duration.ofMillis(300));
        impatient.start();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            assertThat(impatient.enqueue(ReservationId.newFor(3), 3, "warm", null).status())
                .isEqualTo(Status.ACCEPTED);
            this.server.commands().clientPause(PAUSE.toMillis());
            long start = System.nanoTime();
            List<Future<EnqueueBatch.Outcome>> requests = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String user = "paused-" + i;
                requests.add(threads.submit(() -> impatient.enqueue(ReservationId.newFor(3), 3, user, null)));
            }
            for (Future<EnqueueBatch.Outcome> request : requests) {
                assertThat(request).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(QueryTimeoutException.class);
            }
            // each request waited at most for the runs before its own to time out (4 x 300 ms), and then for its
            // own, not for Redis to answer again: the bound sits well between the two, for a busy shared machine
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PAUSE.minus(Duration.ofSeconds(1)));

            Awaitility.await("Redis answering again")
                .atMost(PAUSE.plusSeconds(5))
                .ignoreExceptions()
                .until(() -> impatient.enqueue(ReservationId.newFor(3), 3, "after", null).status(),
                        Status.ACCEPTED::equals);
        }
        finally {
            threads.shutdownNow();
            impatient.stop();
            impatient.destroy();
        }
    }

    @Test
    void answersAtOnceWithADataAccessExceptionWhileRedisIsDown() {
        this.server.close();

        long start = System.nanoTime();
        assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> enqueue(1, "lost"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    private EnqueueBatcher batcherWithTimeout(Duration timeout) {
        StringRedisTemplate redis = new StringRedisTemplate(this.connections);
        ApiProperties api = new ApiProperties(Duration.ofHours(24), DataSize.ofKilobytes(16), Duration.ofSeconds(1),
                100_000, Duration.ofSeconds(10), Duration.ofSeconds(10));
        DataRedisProperties redisProperties = new DataRedisProperties();
        redisProperties.setTimeout(timeout);
        return new EnqueueBatcher(this.connections, redis, KEYS, api, redisProperties);
    }

    /** {@code register_event.lua}, as event creation runs it: open now, positions from 1. */
    private void register(long event) {
        this.server.commands()
            .eval(ReservationScripts.REGISTER_EVENT.getScriptAsString(), ScriptOutputType.INTEGER,
                    new String[] { KEYS.event(event) }, "1000000", "0", "0", "", "");
    }

    private EnqueueBatch.Outcome enqueue(long event, String user) {
        return this.batcher.enqueue(ReservationId.newFor(event), event, user, null);
    }

    /** Script runs Redis counted, whether by EVALSHA or EVAL. */
    private long scriptRuns() {
        String stats = this.server.commands().info("commandstats");
        return stats.lines()
            .filter((line) -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
            .mapToLong((line) -> Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1")))
            .sum();
    }

    /**
     * The most requests one run of {@code enqueue.lua} carried, from the slow log: a run names two keys of its shard
     * and, for a request without an Idempotency-Key, one more, so its {@code numkeys} is the requests plus two.
     */
    private int largestRun() {
        int largest = 0;
        for (Object entry : this.server.commands().slowlogGet(100_000)) {
            List<?> args = (List<?>) ((List<?>) entry).get(3);
            if (args.size() < 3) {
                continue;
            }
            String command = String.valueOf(args.get(0));
            String script = String.valueOf(args.get(1));
            boolean enqueue = ("EVALSHA".equalsIgnoreCase(command)
                    && script.equals(ReservationScripts.ENQUEUE.getSha1()))
                    || ("EVAL".equalsIgnoreCase(command) && script.startsWith("-- enqueue.lua"));
            if (enqueue) {
                largest = Math.max(largest, Integer.parseInt(String.valueOf(args.get(2))) - 2);
            }
        }
        return largest;
    }

}
