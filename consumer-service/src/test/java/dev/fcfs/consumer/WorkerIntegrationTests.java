package dev.fcfs.consumer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.fcfs.consumer.worker.ShardCoordinator;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The worker against real Redis and PostgreSQL: what ends up committed, and what is left in Redis. */
@SpringBootTest(properties = { "reservation.warmup.enabled=false",
        "reservation.worker.lease-ttl=2s", "reservation.queue.shards=4" })
@Import(TestServers.class)
class WorkerIntegrationTests {

    private static final Duration DECIDED_WITHIN = Duration.ofSeconds(20);

    private static final JobCodec CODEC = new JobCodec();

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

    QueueFixture fixture;

    @BeforeEach
    void setUp() {
        this.fixture = new QueueFixture(this.jdbc, this.redis, this.keys);
        if (!this.coordinator.isRunning()) {
            this.coordinator.start();
        }
    }

    @Test
    void givesSeatsToFirstRequestsOfDistinctUsersInPositionOrder() {
        long event = this.fixture.createEvent(3);
        this.fixture.enqueueAll(event, "ann", "bob", "ann", "cid", "dan", "eve", "bob");

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 7);

        assertThat(this.fixture.decisions(event)).extracting((row) -> row.get("user_id") + ":" + row.get("status") + ":"
                + row.get("reason") + ":" + row.get("seat_number"))
            .containsExactly("ann:CONFIRMED:null:1", "bob:CONFIRMED:null:2", "ann:REJECTED:DUPLICATE:null",
                    "cid:CONFIRMED:null:3", "dan:REJECTED:SOLD_OUT:null", "eve:REJECTED:SOLD_OUT:null",
                    "bob:REJECTED:DUPLICATE:null");
        assertThat(this.jdbc.queryForMap(
                "SELECT reserved, last_position, sold_out_at IS NOT NULL AS sold_out FROM events WHERE id = ?", event))
            .containsEntry("reserved", 3).containsEntry("last_position", 7L).containsEntry("sold_out", true);
        await().atMost(DECIDED_WITHIN)
            .until(() -> "1".equals(this.redis.opsForHash().get(this.keys.event(event), "soldOut")));
    }

    @Test
    void leavesTheAcceptPathOpenWhileASeatIsLeft() {
        long event = this.fixture.createEvent(3);
        this.fixture.enqueueAll(event, "ann", "bob", "ann", "bob");
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 4);

        // The worker marks an event sold out after its batch is committed, so the flag may still be on its way when
        // the decisions are visible. The shard's worker takes a later job only once it is done with that batch: when
        // one queued now is decided, the flag is set if that batch was ever going to set it. (A duplicate: no seat.)
        this.fixture.enqueue(event, "ann");
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 5);

        assertThat(this.redis.opsForHash().get(this.keys.event(event), "soldOut")).isNull();
    }

    @Test
    void laterRequestOfAUserIsDuplicateEvenWhenTheFirstWasSoldOut() {
        long event = this.fixture.createEvent(1);
        this.fixture.enqueueAll(event, "ann", "bob", "bob");

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 3);

        assertThat(this.fixture.decisions(event)).extracting((row) -> row.get("user_id") + ":" + row.get("reason"))
            .containsExactly("ann:null", "bob:SOLD_OUT", "bob:DUPLICATE");
    }

    @Test
    void acknowledgesOnlyAfterCommitAndLeavesNothingInRedis() throws SQLException {
        long event = this.fixture.createEvent(10);
        int shard = this.keys.shardOf(event);
        long lock = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
        // A deferred trigger runs at COMMIT, after every statement of the decision transaction: for this event it
        // waits for an advisory lock that the test holds, so the commit is held half-way for as long as the test likes.
        String holdCommit = "hold_commit_" + event;
        this.jdbc.execute("CREATE FUNCTION " + holdCommit + "() RETURNS trigger LANGUAGE plpgsql AS "
                + "$$ BEGIN PERFORM pg_advisory_xact_lock(" + lock + "); RETURN NULL; END $$");
        this.jdbc.execute("CREATE CONSTRAINT TRIGGER " + holdCommit + " AFTER INSERT ON reservations "
                + "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.event_id = " + event + ") "
                + "EXECUTE FUNCTION " + holdCommit + "()");
        // a session of its own, outside the pool: the pool's idle-in-transaction timeout must not end the lock
        HikariDataSource pool = (HikariDataSource) this.dataSource;
        try (Connection holder = DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(),
                pool.getPassword()); Statement statement = holder.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + lock + ")");
            List<String> jobs = this.fixture.enqueueAll(event, "u1", "u2", "u3");

            await().atMost(DECIDED_WITHIN).until(() -> this.jdbc.queryForObject("SELECT count(*) FROM pg_locks "
                    + "WHERE locktype = 'advisory' AND objid::bigint = ? AND NOT granted", Integer.class, lock) == 1);

            // the batch is decided and its commit under way: nothing of it may be acknowledged yet
            assertThat(this.fixture.decidedCount(event)).isZero();
            assertThat(this.redis.opsForList().range(this.keys.processing(shard), 0, -1)).containsAll(jobs);
            assertThat(this.redis.opsForHash().keys(this.keys.pending(shard)))
                .containsAll(jobs.stream().map((job) -> CODEC.decode(job).reservationId().toString()).toList());
            statement.execute("SELECT pg_advisory_unlock(" + lock + ")");

            await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 3);
            await().atMost(DECIDED_WITHIN).untilAsserted(() -> {
                assertThat(this.redis.opsForList().size(this.keys.processing(shard))).isZero();
                assertThat(this.redis.opsForHash().size(this.keys.pending(shard))).isZero();
            });
            assertThat(this.redis.opsForList().size(this.keys.queue(shard))).isZero();
        }
        finally {
            this.jdbc.execute("DROP TRIGGER " + holdCommit + " ON reservations");
            this.jdbc.execute("DROP FUNCTION " + holdCommit + "()");
        }
    }

    @Test
    void decidesJobsLeftInProcessingBeforeNewerJobsInTheirOriginalOrder() {
        long event = this.fixture.createEvent(2);
        int shard = this.keys.shardOf(event);
        this.coordinator.stop();
        // Three requests taken by a worker that then died: they sit in the processing list, oldest at the tail.
        List<String> orphaned = this.fixture.enqueueAll(event, "first", "second", "third");
        for (int i = 0; i < orphaned.size(); i++) {
            this.redis.opsForList().rightPopAndLeftPush(this.keys.queue(shard), this.keys.processing(shard));
        }
        this.fixture.enqueueAll(event, "fourth", "fifth");

        this.coordinator.start();
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 5);

        assertThat(this.fixture.decisions(event)).extracting((row) -> row.get("user_id") + ":" + row.get("seat_number"))
            .containsExactly("first:1", "second:2", "third:null", "fourth:null", "fifth:null");
    }

    @Test
    void replayingACommittedJobChangesNothing() {
        long event = this.fixture.createEvent(5);
        int shard = this.keys.shardOf(event);
        String job = this.fixture.enqueue(event, "ann");
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 1);
        List<Map<String, Object>> before = this.fixture.decisions(event);

        // as if the worker had crashed between COMMIT and the acknowledgement
        this.redis.opsForList().leftPush(this.keys.processing(shard), job);
        String marker = this.fixture.enqueue(event, "bob");

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 2);
        assertThat(this.fixture.decisions(event).get(0)).isEqualTo(before.get(0));
        assertThat(this.fixture.decisions(event).get(1)).containsEntry("user_id", "bob")
            .containsEntry("seat_number", 2);
        await().atMost(DECIDED_WITHIN).until(() -> this.redis.opsForList().size(this.keys.processing(shard)) == 0);
        assertThat(marker).isNotEqualTo(job);
    }

    @Test
    void undecodableJobIsDeadLetteredWithItsReasonAndTheShardGoesOn() {
        long event = this.fixture.createEvent(5);
        int shard = this.keys.shardOf(event);
        // the key prefix is shared by every test of this context: an earlier one may have dead-lettered on this
        // shard already (jobForAnEventUnknownToPostgresIsDeadLetteredNotDecided does, on its event's shard)
        long deadBefore = this.redis.opsForList().size(this.keys.deadLetter(shard));
        this.redis.opsForList().leftPush(this.keys.queue(shard), "{\"v\":1,\"id\":\"not-a-uuid\"}");
        this.fixture.enqueue(event, "ann");

        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 1);
        await().atMost(DECIDED_WITHIN)
            .until(() -> this.redis.opsForList().size(this.keys.deadLetter(shard)) == deadBefore + 1);

        String dead = this.redis.opsForList().index(this.keys.deadLetter(shard), 0);
        assertThat(dead).contains("not-a-uuid").contains("undecodable");
        // ann's job leaves the processing list with the acknowledgement, just after the COMMIT the count saw
        await().atMost(DECIDED_WITHIN).until(() -> this.redis.opsForList().size(this.keys.processing(shard)) == 0);
    }

    @Test
    void jobForAnEventUnknownToPostgresIsDeadLetteredNotDecided() {
        long event = this.fixture.createEvent(5);
        long ghost = event + 4000;
        int shard = this.keys.shardOf(ghost);
        this.redis.opsForHash().putAll(this.keys.event(ghost), Map.of("capacity", "5", "seq", "0"));
        this.fixture.enqueue(ghost, "ann");

        await().atMost(DECIDED_WITHIN).until(() -> this.redis.opsForList().size(this.keys.deadLetter(shard)) >= 1);

        assertThat(this.redis.opsForList().range(this.keys.deadLetter(shard), 0, -1))
            .anyMatch((entry) -> entry.contains("does not exist in PostgreSQL"));
        assertThat(this.fixture.decidedCount(ghost)).isZero();
    }

    @Test
    void keepsJobsThroughAPostgresOutageAndDecidesThemAfterwards() {
        long event = this.fixture.createEvent(2);
        int shard = this.keys.shardOf(event);
        String database = this.jdbc.queryForObject("SELECT current_database()", String.class);
        try (PostgresOutage outage = PostgresOutage.begin((HikariDataSource) this.dataSource, database)) {
            this.fixture.enqueueAll(event, "ann", "bob", "cid");
            // the worker takes the jobs but cannot commit: they must stay in Redis, none rejected
            await().atMost(DECIDED_WITHIN)
                .until(() -> this.redis.opsForList().size(this.keys.processing(shard)) == 3);
            // and stay there while the worker retries against the unreachable database
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> this.redis.opsForList().size(this.keys.processing(shard)) == 3);
        }
        await().atMost(DECIDED_WITHIN).until(() -> this.fixture.decidedCount(event) == 3);
        assertThat(this.fixture.decisions(event)).extracting((row) -> row.get("user_id") + ":" + row.get("seat_number"))
            .containsExactly("ann:1", "bob:2", "cid:null");
    }

}
