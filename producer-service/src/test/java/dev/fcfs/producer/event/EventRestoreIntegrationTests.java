package dev.fcfs.producer.event;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.QueueLimits;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-registration after Redis lost data never hands out a position a job the worker still holds carries, so every
 * accepted request ends decided. The worker's part is played here by {@link #decide}, with the consumer's rules
 * ({@code BatchDecider}): a shard is decided strictly in queue order, and a job whose position is not after the
 * event's last decided one is parked (dead-lettered) instead of decided, which is what a reused position would
 * meet, next to the schema's unique (event, position).
 */
class EventRestoreIntegrationTests extends ProducerIntegrationSupport {

    @Autowired
    JdbcTemplate jdbcTemplate;

    @Test
    void afterRedisLostEverythingTheNextPositionIsAboveAFullBatchTheWorkerStillHolds() {
        long eventId = createEvent("restored", 1_000_000);
        int shard = this.keys.shardOf(eventId);
        emptyShard(shard);
        List<ReservationJob> accepted = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            accepted.add(pendingJob(reserveAccepted(eventId, "early-" + i)));
        }
        assertThat(decide(takeBatch(shard, 2))).isEmpty();
        long lastDecided = lastPosition(eventId);
        accepted.addAll(enqueueDirectly(eventId, QueueLimits.MAX_BATCH_SIZE));
        // the worker takes a whole batch (positions lastDecided + 1 .. + MAX_BATCH_SIZE) and has not committed it
        List<ReservationJob> held = takeBatch(shard, QueueLimits.MAX_BATCH_SIZE);
        assertThat(held).hasSize(QueueLimits.MAX_BATCH_SIZE);

        loseRedisData(eventId);
        JsonNode afterLoss = reserveAccepted(eventId, "after-loss");

        assertThat(afterLoss.path("position").asLong()).isGreaterThan(lastDecided + QueueLimits.MAX_BATCH_SIZE);
        assertThat(decide(held)).as("jobs of the held batch parked").isEmpty();
        accepted.add(pendingJob(afterLoss));
        assertThat(decide(takeBatch(shard, 10))).as("jobs accepted after the loss parked").isEmpty();
        assertEveryOneDecidedOnce(eventId, accepted);
        assertThat(get("/reservations/" + afterLoss.path("reservationId").asString()).body()).contains("CONFIRMED");
    }

    @Test
    void aSecondLossBeforeAnythingAcceptedAfterTheFirstIsDecidedStillNeverReusesAPosition() {
        long eventId = createEvent("twice-restored", 100);
        int shard = this.keys.shardOf(eventId);
        emptyShard(shard);
        List<ReservationJob> accepted = new ArrayList<>();
        accepted.add(pendingJob(reserveAccepted(eventId, "first")));
        assertThat(decide(takeBatch(shard, 1))).isEmpty();

        loseRedisData(eventId);
        accepted.add(pendingJob(reserveAccepted(eventId, "after-first-loss")));
        List<ReservationJob> held = takeBatch(shard, 10);
        loseRedisData(eventId);
        JsonNode afterSecondLoss = reserveAccepted(eventId, "after-second-loss");

        assertThat(afterSecondLoss.path("position").asLong()).isGreaterThan(held.get(0).position());
        assertThat(decide(held)).isEmpty();
        accepted.add(pendingJob(afterSecondLoss));
        assertThat(decide(takeBatch(shard, 10))).isEmpty();
        assertEveryOneDecidedOnce(eventId, accepted);
    }

    @Test
    void afterOnlyTheEventHashWasDeletedTheNextPositionIsAboveThePendingOnes() {
        long eventId = createEvent("hash-deleted", 100);
        int shard = this.keys.shardOf(eventId);
        emptyShard(shard);
        List<ReservationJob> accepted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            accepted.add(pendingJob(reserveAccepted(eventId, "pending-" + i)));
        }
        this.redis.delete(this.keys.event(eventId));

        JsonNode afterDelete = reserveAccepted(eventId, "after-delete");

        assertThat(afterDelete.path("position").asLong()).isGreaterThan(5);
        accepted.add(pendingJob(afterDelete));
        assertThat(decide(takeBatch(shard, 100))).isEmpty();
        assertEveryOneDecidedOnce(eventId, accepted);
    }

    private ReservationJob pendingJob(JsonNode accepted) {
        return pendingJob(UUID.fromString(accepted.path("reservationId").asString()),
                accepted.path("eventId").asLong());
    }

    /** Puts requests in line as the producer would, in runs of the accept script, and returns their jobs. */
    private List<ReservationJob> enqueueDirectly(long eventId, int count) {
        List<ReservationJob> jobs = new ArrayList<>(count);
        for (int from = 0; from < count; from += 2_000) {
            List<EnqueueBatch.Request> requests = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 2_000); i++) {
                requests.add(new EnqueueBatch.Request(ReservationId.newFor(eventId), eventId, "bulk-" + i, null));
            }
            EnqueueBatch batch = EnqueueBatch.of(this.keys, requests);
            List<String> reply = this.redis.execute(ReservationScripts.ENQUEUE, List.of(batch.keys()),
                    (Object[]) batch.args(60, OptionalLong.empty()));
            batch.outcomes(reply).forEach((outcome) -> jobs.add(outcome.job()));
        }
        return jobs;
    }

    /** The worker's {@code take_batch.lua}: the shard's oldest jobs, moved to its processing list. */
    private List<ReservationJob> takeBatch(int shard, int size) {
        List<String> raw = this.redis.execute(ReservationScripts.TAKE_BATCH,
                List.of(this.keys.queue(shard), this.keys.processing(shard)), Integer.toString(size));
        return raw.stream().map(this.codec::decode).toList();
    }

    /** Leaves the shard to this test: jobs other tests left there would be taken into its batches. */
    private void emptyShard(int shard) {
        this.redis.delete(List.of(this.keys.queue(shard), this.keys.processing(shard), this.keys.pending(shard),
                this.keys.deadLetter(shard)));
    }

    /** What Redis loses in a restart without persistence: the event and everything of its shard. */
    private void loseRedisData(long eventId) {
        int shard = this.keys.shardOf(eventId);
        this.redis.delete(List.of(this.keys.event(eventId), this.keys.queue(shard), this.keys.processing(shard),
                this.keys.pending(shard), this.keys.deadLetter(shard)));
    }

    /**
     * Decides a batch, oldest first, by the consumer's rules, commits it, then acknowledges it in Redis.
     * @return the jobs that could not be decided (parked): their position is not after the last decided one
     */
    private List<ReservationJob> decide(List<ReservationJob> jobs) {
        List<ReservationJob> parked = new ArrayList<>();
        List<Object[]> rows = new ArrayList<>();
        long eventId = jobs.get(0).eventId();
        long last = lastPosition(eventId);
        int capacity = this.jdbc.sql("SELECT capacity FROM events WHERE id = ?").param(eventId).query(Integer.class)
            .single();
        int reserved = this.jdbc.sql("SELECT reserved FROM events WHERE id = ?").param(eventId).query(Integer.class)
            .single();
        for (ReservationJob job : jobs) {
            assertThat(job.eventId()).isEqualTo(eventId);
            if (job.position() <= last) {
                parked.add(job);
                continue;
            }
            last = job.position();
            boolean seat = reserved < capacity;
            reserved += seat ? 1 : 0;
            rows.add(new Object[] { job.reservationId(), eventId, capacity, job.userId(), job.position(),
                    seat ? "CONFIRMED" : "REJECTED", seat ? null : "SOLD_OUT", seat ? reserved : null,
                    Timestamp.from(job.acceptedAt()) });
        }
        this.jdbcTemplate.batchUpdate("""
                INSERT INTO reservations (id, event_id, event_capacity, user_id, position, status, reason, seat_number,
                                          accepted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows);
        this.jdbc.sql("UPDATE events SET reserved = ?, last_position = ? WHERE id = ?")
            .params(reserved, last, eventId)
            .update();
        int shard = this.keys.shardOf(eventId);
        this.redis.delete(this.keys.processing(shard));
        this.redis.opsForHash().delete(this.keys.pending(shard),
                jobs.stream().map((job) -> job.reservationId().toString()).toArray());
        return parked;
    }

    private void assertEveryOneDecidedOnce(long eventId, List<ReservationJob> accepted) {
        List<UUID> decided = this.jdbc.sql("SELECT id FROM reservations WHERE event_id = ?").param(eventId)
            .query(UUID.class).list();
        assertThat(decided).containsExactlyInAnyOrderElementsOf(accepted.stream().map(ReservationJob::reservationId)
            .toList());
        assertThat(accepted).extracting(ReservationJob::position).doesNotHaveDuplicates();
        assertThat(this.redis.opsForHash().size(this.keys.pending(this.keys.shardOf(eventId)))).isZero();
    }

    private long lastPosition(long eventId) {
        return this.jdbc.sql("SELECT last_position FROM events WHERE id = ?").param(eventId).query(Long.class)
            .single();
    }

}
