package dev.fcfs.shared.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.redis.RedisErrors;
import dev.fcfs.shared.redis.RedisRequirements;
import dev.fcfs.shared.redis.RedisRequirementsProperties.EvictionPolicyCheck;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The queue's scripts on a Redis of the test's own that is full: {@code maxmemory} reached with {@code noeviction}.
 * The scripts that accept work are refused and write nothing; every script the worker needs to take, decide and
 * acknowledge jobs still runs, because deciding jobs is what frees memory.
 */
class QueueScriptsAtMaxMemoryIntegrationTests {

    private static final String MAXMEMORY = "4mb";

    private static PrivateRedis server;

    private static LettuceConnectionFactory connections;

    private static StringRedisTemplate redis;

    private final QueueKeys keys = new QueueKeys(TestServers.newKeyPrefix(), 2);

    private final JobCodec codec = new JobCodec();

    @BeforeAll
    static void startRedis() {
        server = PrivateRedis.start("--maxmemory", MAXMEMORY, "--maxmemory-policy", "noeviction");
        connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(server.host(), server.port()));
        connections.afterPropertiesSet();
        connections.start();
        redis = new StringRedisTemplate(connections);
    }

    @AfterAll
    static void stopRedis() {
        connections.destroy();
        server.close();
    }

    @AfterEach
    void emptyRedis() {
        server.commands().configSet("maxmemory", MAXMEMORY);
        TestServers.deleteKeys(server.host(), server.port(), this.keys.prefix());
    }

    @Test
    void enqueueAndRegisterEventAreRefusedAndWriteNothing() {
        register(41, 10);
        enqueue(41, "first", null);
        fillUntilFull();
        Map<String, Object> before = snapshot();

        assertRefused(() -> enqueue(41, "second", null));
        assertRefused(() -> enqueue(41, "third", "retry-key"));
        assertRefused(() -> register(43, 10));

        assertThat(snapshot()).isEqualTo(before);
        // an event that is registered already needs no write: registering it again is answered, not refused
        assertThat(register(41, 10)).isZero();
    }

    @Test
    void workerTakesDecidesAndAcknowledgesJobs() {
        register(40, 1000);
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            queued.add(enqueue(40, "user-" + i, null));
        }
        int shard = this.keys.shardOf(40);
        startUpCheck();
        fillUntilFull();
        // BRPOPLPUSH (and RPOPLPUSH as a script's first write) may grow memory: refused at maxmemory
        assertRefused(
                () -> redis.opsForList().rightPopAndLeftPush(this.keys.queue(shard), this.keys.processing(shard)));

        // take a shard and announce the consumer (acquire_lease.lua, heartbeat.lua, renew_lease.lua)
        assertThat(run(ReservationScripts.ACQUIRE_LEASE, this.keys.lease(shard), "worker-1", "10000")).isOne();
        assertThat(run(ReservationScripts.ACQUIRE_LEASE, this.keys.lease(shard), "worker-2", "10000")).isZero();
        assertThat(run(ReservationScripts.ACQUIRE_LEASE, this.keys.lease(shard), "worker-1", "10000")).isOne();
        assertThat(run(ReservationScripts.RENEW_LEASE, this.keys.lease(shard), "worker-1", "10000")).isOne();
        long now = System.currentTimeMillis();
        assertThat(run(ReservationScripts.HEARTBEAT, this.keys.consumers(), "worker-1", Long.toString(now + 10_000),
                Long.toString(now))).isOne();
        // a service restarted while Redis is full gets past the start-up check (policy, layout)
        startUpCheck();

        // take_batch.lua moves jobs, oldest first
        List<String> batch = redis.execute(ReservationScripts.TAKE_BATCH,
                List.of(this.keys.queue(shard), this.keys.processing(shard)), "100");
        assertThat(batch).containsExactlyElementsOf(queued.subList(0, 100));
        assertThat(redis.opsForList().size(this.keys.queue(shard))).isEqualTo(200);

        // dead_letter.lua parks one, ack.lua removes the rest from processing and pending
        assertThat(redis.execute(ReservationScripts.DEAD_LETTER,
                List.of(this.keys.processing(shard), this.keys.deadLetter(shard), this.keys.progress(shard)),
                batch.get(0), "test")).isOne();
        List<String> ackArgs = new ArrayList<>();
        for (String raw : batch.subList(1, batch.size())) {
            ackArgs.add(raw);
            ackArgs.add(this.codec.decode(raw).reservationId().toString());
        }
        assertThat(redis.execute(ReservationScripts.ACK, List.of(this.keys.processing(shard), this.keys.pending(shard),
                this.keys.progress(shard)),
                ackArgs.toArray())).isEqualTo(99);
        assertThat(redis.opsForList().size(this.keys.processing(shard))).isZero();
        assertThat(redis.opsForHash().size(this.keys.pending(shard))).isEqualTo(201);

        // and the next batch starts where the first ended
        List<String> next = redis.execute(ReservationScripts.TAKE_BATCH,
                List.of(this.keys.queue(shard), this.keys.processing(shard)), "100");
        assertThat(next).containsExactlyElementsOf(queued.subList(100, 200));
        assertThat(run(ReservationScripts.RELEASE_LEASE, this.keys.lease(shard), "worker-1")).isOne();
    }

    @Test
    void enqueueWorksAgainOnceTheWorkerFreedMemory() {
        register(44, 100_000);
        int shard = this.keys.shardOf(44);
        int accepted = 0;
        try {
            while (true) {
                enqueue(44, "u-" + accepted, null);
                accepted++;
            }
        }
        catch (DataAccessException ex) {
            assertThat(RedisErrors.isOutOfMemory(ex)).as("refused because full: %s", ex).isTrue();
        }
        assertThat(accepted).isGreaterThan(1000);
        String seq = eventSeq(44);
        assertRefused(() -> enqueue(44, "refused", null));
        assertThat(eventSeq(44)).as("no position used up").isEqualTo(seq);

        // the worker decides and acknowledges half of what is queued
        List<String> batch = redis.execute(ReservationScripts.TAKE_BATCH,
                List.of(this.keys.queue(shard), this.keys.processing(shard)), Integer.toString(accepted / 2));
        List<String> ackArgs = new ArrayList<>();
        for (String raw : batch) {
            ackArgs.add(raw);
            ackArgs.add(this.codec.decode(raw).reservationId().toString());
        }
        redis.execute(ReservationScripts.ACK, List.of(this.keys.processing(shard), this.keys.pending(shard),
                this.keys.progress(shard)),
                ackArgs.toArray());

        ReservationJob next = this.codec.decode(enqueue(44, "after", null));
        assertThat(next.position()).isEqualTo(accepted + 1L);
    }

    /** Writes filler under this run's prefix until Redis refuses, then keeps it over its limit whatever happens. */
    private void fillUntilFull() {
        String chunk = "x".repeat(32 * 1024);
        for (int i = 0;; i++) {
            try {
                redis.opsForValue().set(this.keys.prefix() + ":filler:" + i, chunk);
            }
            catch (DataAccessException ex) {
                assertThat(RedisErrors.isOutOfMemory(ex)).as("refused because full: %s", ex).isTrue();
                break;
            }
        }
        // Full means used memory above maxmemory when a command arrives; the connections' own buffers move the
        // usage by a few kilobytes, so the limit is pinned well below what is in use.
        server.commands().configSet("maxmemory", Long.toString(server.usedMemory() - 256 * 1024));
        assertRefused(() -> redis.opsForValue().set(this.keys.prefix() + ":probe", "x"));
    }

    /** What a service does at start-up before it serves: the eviction policy and layout check. */
    private void startUpCheck() {
        RedisRequirements requirements = new RedisRequirements(connections, this.keys, EvictionPolicyCheck.FAIL);
        requirements.start();
        requirements.stop();
    }

    private static void assertRefused(Runnable command) {
        assertThatExceptionOfType(DataAccessException.class).isThrownBy(command::run)
            .satisfies((ex) -> assertThat(RedisErrors.isOutOfMemory(ex)).as("OOM in %s", ex).isTrue());
    }

    private Long register(long eventId, int capacity) {
        return redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(eventId)),
                Integer.toString(capacity), "0", "0");
    }

    private String enqueue(long eventId, String userId, String idempotencyKey) {
        EnqueueBatch batch = EnqueueBatch.of(this.keys,
                List.of(new EnqueueBatch.Request(ReservationId.newFor(eventId), eventId, userId, idempotencyKey)));
        List<String> reply = redis.execute(ReservationScripts.ENQUEUE, List.of(batch.keys()),
                (Object[]) batch.args(60, OptionalLong.of(1_000_000)));
        EnqueueBatch.Outcome outcome = batch.outcomes(reply).get(0);
        assertThat(outcome.status()).isEqualTo(EnqueueBatch.Status.ACCEPTED);
        return redis.<String, String>opsForHash().get(this.keys.pending(this.keys.shardOf(eventId)),
                outcome.job().reservationId().toString());
    }

    private Long run(RedisScript<Long> script, String key, String... args) {
        return redis.execute(script, List.of(key), (Object[]) args);
    }

    private String eventSeq(long eventId) {
        return redis.<String, String>opsForHash().get(this.keys.event(eventId), "seq");
    }

    /** Every key of this run but the filler, with its content. */
    private Map<String, Object> snapshot() {
        Map<String, Object> state = new TreeMap<>();
        ScanOptions match = ScanOptions.scanOptions().match(this.keys.allKeysPattern()).count(1000).build();
        try (Cursor<String> cursor = redis.scan(match)) {
            cursor.forEachRemaining((key) -> {
                if (!key.contains(":filler:")) {
                    state.put(key, switch (redis.type(key)) {
                        case LIST -> redis.opsForList().range(key, 0, -1);
                        case HASH -> new TreeMap<>(redis.opsForHash().entries(key));
                        case STRING -> String.valueOf(redis.opsForValue().get(key));
                        default -> "other";
                    });
                }
            });
        }
        return state;
    }

}
