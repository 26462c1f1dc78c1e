package dev.fcfs.consumer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.fcfs.consumer.worker.ShardCoordinator;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs that PostgreSQL refuses whatever happens (poison): each is dead-lettered with PostgreSQL's message, and every
 * other job of its batch is decided in its place in line. The poison job here has an {@code at} that the codec
 * accepts (a positive epoch millisecond) but that lies after PostgreSQL's last timestamp, year 294276.
 */
@SpringBootTest(properties = { "reservation.warmup.enabled=false", "reservation.worker.lease-ttl=2s",
        "reservation.queue.shards=4" })
@Import(TestServers.class)
class PoisonJobIntegrationTests {

    /** Epoch millis in the year 318857: decodes fine, {@code timestamp out of range} in PostgreSQL. */
    private static final long AFTER_POSTGRES_LAST_TIMESTAMP = 9_999_999_999_999_999L;

    private static final Duration DECIDED_WITHIN = Duration.ofSeconds(20);

    private static final JobCodec CODEC = new JobCodec();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    QueueKeys keys;

    @Autowired
    ShardCoordinator coordinator;

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry meters;

    QueueFixture fixture;

    @BeforeEach
    void queueWhileNoWorkerRuns() {
        this.fixture = new QueueFixture(this.jdbc, this.redis, this.keys);
        // every test queues its jobs first, so that they are taken as one batch when the worker starts
        if (this.coordinator.isRunning()) {
            this.coordinator.stop();
        }
    }

    @AfterEach
    void startWorker() {
        if (!this.coordinator.isRunning()) {
            this.coordinator.start();
        }
    }

    @Test
    void poisonJobBetweenGoodJobsIsDeadLetteredWithPostgresMessageAndTheOthersAreDecidedInOrder() {
        long event = this.fixture.createEvent(3);
        int shard = this.keys.shardOf(event);
        double poisonBefore = poisonCount();
        this.fixture.enqueueAll(event, "ann", "bob");
        String poison = queuePoison(event, "mallory");
        this.fixture.enqueueAll(event, "cid", "dan", "ann");

        this.coordinator.start();

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 5);
        assertThat(this.fixture.decisions(event))
            .extracting((row) -> row.get("user_id") + ":" + row.get("position") + ":" + row.get("seat_number") + ":"
                    + row.get("reason"))
            .containsExactly("ann:1:1:null", "bob:2:2:null", "cid:4:3:null", "dan:5:null:SOLD_OUT",
                    "ann:6:null:DUPLICATE");
        await().atMost(DECIDED_WITHIN).untilAsserted(() -> {
            assertThat(deadLetterReason(shard, poison)).hasValueSatisfying((reason) -> assertThat(reason)
                .startsWith("timestamp out of range"));
            assertThat(this.redis.opsForList().range(this.keys.processing(shard), 0, -1)).doesNotContain(poison)
                .isEmpty();
        });
        assertThat(poisonCount() - poisonBefore).isEqualTo(1.0);
        assertThat(this.jdbc.queryForMap("SELECT reserved, last_position FROM events WHERE id = ?", event))
            .containsEntry("reserved", 3).containsEntry("last_position", 6L);
    }

    @Test
    void twoPoisonJobsInOneBatchAreBothDeadLetteredAndNoGoodJobIsSkipped() {
        long event = this.fixture.createEvent(10);
        int shard = this.keys.shardOf(event);
        double poisonBefore = poisonCount();
        this.fixture.enqueueAll(event, "u1");
        String first = queuePoison(event, "bad-1");
        this.fixture.enqueueAll(event, "u2", "u3");
        String second = queuePoison(event, "bad-2");
        this.fixture.enqueueAll(event, "u4");

        this.coordinator.start();

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 4);
        assertThat(this.fixture.decisions(event))
            .extracting((row) -> row.get("user_id") + ":" + row.get("position") + ":" + row.get("seat_number"))
            .containsExactly("u1:1:1", "u2:3:2", "u3:4:3", "u4:6:4");
        await().atMost(DECIDED_WITHIN).untilAsserted(() -> {
            assertThat(deadLetterReason(shard, first)).hasValueSatisfying((reason) -> assertThat(reason)
                .contains("timestamp out of range"));
            assertThat(deadLetterReason(shard, second)).hasValueSatisfying((reason) -> assertThat(reason)
                .contains("timestamp out of range"));
            assertThat(this.redis.opsForList().size(this.keys.processing(shard))).isZero();
        });
        assertThat(poisonCount() - poisonBefore).isEqualTo(2.0);
    }

    @Test
    void poisonJobAloneInItsBatchIsDeadLetteredAndTheShardGoesOn() {
        long event = this.fixture.createEvent(5);
        int shard = this.keys.shardOf(event);
        String poison = queuePoison(event, "mallory");

        this.coordinator.start();

        await().atMost(DECIDED_WITHIN).until(() -> deadLetterReason(shard, poison).isPresent());
        this.fixture.enqueue(event, "ann");
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 1);
        assertThat(this.fixture.decisions(event).get(0)).containsEntry("user_id", "ann").containsEntry("position", 2L)
            .containsEntry("seat_number", 1);
        await().atMost(DECIDED_WITHIN).until(() -> this.redis.opsForList().size(this.keys.processing(shard)) == 0);
    }

    @Test
    void anOutageIsRetriedAndNeverTakenForPoison() {
        long event = this.fixture.createEvent(5);
        int shard = this.keys.shardOf(event);
        long deadBefore = this.redis.opsForList().size(this.keys.deadLetter(shard));
        this.coordinator.start();
        // the worker has taken the shard (its fencing token is in PostgreSQL) once this job is decided
        this.fixture.enqueue(event, "early");
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 1);
        String database = this.jdbc.queryForObject("SELECT current_database()", String.class);
        String poison;
        try (PostgresOutage outage = PostgresOutage.begin((HikariDataSource) this.dataSource, database)) {
            this.fixture.enqueueAll(event, "ann");
            poison = queuePoison(event, "mallory");
            this.fixture.enqueueAll(event, "bob");
            // the worker takes the jobs but every attempt fails on the connection: nothing is dead-lettered
            await().atMost(DECIDED_WITHIN)
                .until(() -> this.redis.opsForList().size(this.keys.processing(shard)) == 3);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> this.redis.opsForList().size(this.keys.deadLetter(shard)) == deadBefore);
        }

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 3);
        assertThat(this.fixture.decisions(event)).extracting((row) -> row.get("user_id") + ":" + row.get("seat_number"))
            .containsExactly("early:1", "ann:2", "bob:3");
        await().atMost(DECIDED_WITHIN).until(() -> deadLetterReason(shard, poison).isPresent());
        assertThat(this.redis.opsForList().size(this.keys.deadLetter(shard))).isEqualTo(deadBefore + 1);
    }

    /**
     * Queues a job the way anything that can write to Redis could (LPUSH), with the event's next position and an
     * {@code at} PostgreSQL cannot store.
     */
    private String queuePoison(long eventId, String userId) {
        long position = this.redis.opsForHash().increment(this.keys.event(eventId), "seq", 1);
        String raw = CODEC.encode(new ReservationJob(ReservationId.newFor(eventId), eventId, userId, position,
                Instant.ofEpochMilli(AFTER_POSTGRES_LAST_TIMESTAMP)));
        this.redis.opsForList().leftPush(this.keys.queue(this.keys.shardOf(eventId)), raw);
        return raw;
    }

    /** The reason of the shard's dead letter holding exactly this job, as the admin API reads it. */
    private Optional<String> deadLetterReason(int shard, String raw) {
        List<String> entries = this.redis.opsForList().range(this.keys.deadLetter(shard), 0, -1);
        for (String entry : (entries != null) ? entries : List.<String>of()) {
            JsonNode node = JSON.readTree(entry);
            if (raw.equals(node.path("job").asString())) {
                return Optional.of(node.path("reason").asString());
            }
        }
        return Optional.empty();
    }

    private double poisonCount() {
        return this.meters.get("reservation.poison.jobs").counter().count();
    }

}
