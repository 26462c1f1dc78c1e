package dev.fcfs.consumer;

import java.time.Instant;
import java.util.List;

import dev.fcfs.consumer.decision.BatchDecider;
import dev.fcfs.consumer.decision.BatchOutcome;
import dev.fcfs.consumer.decision.FencingTokens;
import dev.fcfs.consumer.decision.LeaseLostException;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.TestServers;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Fencing: once a consumer has taken a shard over, whatever the former owner still tries to commit is refused.
 * The decider is driven directly, on a shard number the running workers never serve.
 */
@SpringBootTest(properties = { "reservation.warmup.enabled=false",
        "reservation.worker.lease-ttl=2s", "reservation.queue.shards=4" })
@Import(TestServers.class)
class FencingIntegrationTests {

    private static final int UNSERVED_SHARD = 1000;

    @Autowired
    BatchDecider decider;

    @Autowired
    FencingTokens fencingTokens;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    QueueKeys keys;

    @Test
    void formerOwnerCannotCommitOnceANewOwnerTookTheShard() {
        long event = new QueueFixture(this.jdbc, this.redis, this.keys).createEvent(10);
        List<ReservationJob> batch = List.of(job(event, "ann", 1), job(event, "bob", 2));
        long formerToken = this.fencingTokens.takeOver(UNSERVED_SHARD, "former");
        long newToken = this.fencingTokens.takeOver(UNSERVED_SHARD, "new");

        assertThat(newToken).isGreaterThan(formerToken);
        assertThatExceptionOfType(LeaseLostException.class)
            .isThrownBy(() -> this.decider.decide(UNSERVED_SHARD, formerToken, batch));
        assertThat(count(event)).isZero();

        BatchOutcome outcome = this.decider.decide(UNSERVED_SHARD, newToken, batch);
        assertThat(outcome.decided()).hasSize(2);
        assertThat(count(event)).isEqualTo(2);
    }

    @Test
    void decidingTheSameBatchTwiceDecidesItOnce() {
        long event = new QueueFixture(this.jdbc, this.redis, this.keys).createEvent(1);
        List<ReservationJob> batch = List.of(job(event, "ann", 1), job(event, "bob", 2));
        long token = this.fencingTokens.takeOver(UNSERVED_SHARD + 1, "only");

        BatchOutcome first = this.decider.decide(UNSERVED_SHARD + 1, token, batch);
        BatchOutcome replay = this.decider.decide(UNSERVED_SHARD + 1, token, batch);

        assertThat(first.decided()).hasSize(2);
        assertThat(replay.decided()).isEmpty();
        assertThat(replay.alreadyDecided()).containsExactlyElementsOf(batch);
        assertThat(this.jdbc.queryForObject("SELECT reserved FROM events WHERE id = ?", Integer.class, event))
            .isEqualTo(1);
    }

    @Test
    void schemaRefusesASecondSeatForTheSameUserEvenIfCodeTriedIt() {
        long event = new QueueFixture(this.jdbc, this.redis, this.keys).createEvent(5);
        insertConfirmed(event, "ann", 1, 1);

        assertRefusedBy("reservations_first_request_per_user", () -> insertConfirmed(event, "ann", 2, 2));
        assertThat(count(event)).isEqualTo(1);
    }

    @Test
    void schemaRefusesASeatSoldTwiceAPositionUsedTwiceAndASeatBeyondCapacity() {
        long event = new QueueFixture(this.jdbc, this.redis, this.keys).createEvent(5);
        insertConfirmed(event, "ann", 1, 1);

        assertRefusedBy("reservations_seat_key", () -> insertConfirmed(event, "bob", 3, 1));
        assertRefusedBy("reservations_position_key", () -> insertConfirmed(event, "cid", 1, 2));
        assertRefusedBy("reservations_outcome", () -> insertConfirmed(event, "dan", 4, 6));
        assertThat(count(event)).isEqualTo(1);
    }

    @Test
    void schemaRefusesMoreReservedSeatsThanCapacity() {
        long event = new QueueFixture(this.jdbc, this.redis, this.keys).createEvent(5);

        assertRefusedBy("events_reserved_within_capacity",
                () -> this.jdbc.update("UPDATE events SET reserved = capacity + 1 WHERE id = ?", event));
        assertThat(this.jdbc.queryForObject("SELECT reserved FROM events WHERE id = ?", Integer.class, event)).isZero();
    }

    /** Refused by PostgreSQL, by the named constraint and no other. */
    private static void assertRefusedBy(String constraint, ThrowingCallable statement) {
        assertThatExceptionOfType(DataIntegrityViolationException.class).isThrownBy(statement)
            .withMessageContaining("\"" + constraint + "\"");
    }

    private void insertConfirmed(long event, String user, long position, int seat) {
        this.jdbc.update("INSERT INTO reservations (id, event_id, event_capacity, user_id, position, status, "
                + "seat_number, accepted_at) VALUES (?, ?, 5, ?, ?, 'CONFIRMED', ?, now())",
                ReservationId.newFor(event), event, user, position, seat);
    }

    private static ReservationJob job(long event, String user, long position) {
        return new ReservationJob(ReservationId.newFor(event), event, user, position, Instant.now());
    }

    private int count(long event) {
        Integer count = this.jdbc.queryForObject("SELECT count(*) FROM reservations WHERE event_id = ?", Integer.class,
                event);
        return (count != null) ? count : 0;
    }

}
