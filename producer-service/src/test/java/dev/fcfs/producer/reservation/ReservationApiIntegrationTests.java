package dev.fcfs.producer.reservation;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueLimits;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** The accept path ({@code POST /events/{id}/reservations}) against real Redis and PostgreSQL. */
class ReservationApiIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void acceptsWithPositionsFromOneUpPerEventIndependentOfOtherEvents() {
        long first = createEvent("first", 10);
        long second = createEvent("second", 10);

        List<Long> firstPositions = new ArrayList<>();
        List<Long> secondPositions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            firstPositions.add(reserveAccepted(first, "a" + i).path("position").asLong());
            secondPositions.add(reserveAccepted(second, "b" + i).path("position").asLong());
        }

        assertThat(firstPositions).containsExactly(1L, 2L, 3L);
        assertThat(secondPositions).containsExactly(1L, 2L, 3L);
        assertThat(eventField(first, "seq")).isEqualTo("3");
        assertThat(eventField(second, "seq")).isEqualTo("3");
    }

    @Test
    void answers202WithLocationAndQueuesADecodableJobOnTheShardOfTheEvent() {
        long eventId = createEvent("queued", 5);
        int shard = this.keys.shardOf(eventId);
        long queuedBefore = this.redis.opsForList().size(this.keys.queue(shard));

        HttpResponse<String> response = reserve(eventId, "u-123");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode body = body(response);
        UUID reservationId = UUID.fromString(body.path("reservationId").asString());
        assertThat(response.headers().firstValue("Location")).hasValue("/reservations/" + reservationId);
        assertThat(body.path("eventId").asLong()).isEqualTo(eventId);
        assertThat(body.path("userId").asString()).isEqualTo("u-123");
        assertThat(body.path("status").asString()).isEqualTo("PENDING");
        assertThat(body.path("position").asLong()).isEqualTo(1);
        assertThat(ReservationId.eventIdOf(reservationId)).hasValue(eventId);

        // LPUSH onto the shard's queue: the newest job sits at the head
        assertThat(this.redis.opsForList().size(this.keys.queue(shard))).isEqualTo(queuedBefore + 1);
        ReservationJob job = this.codec.decode(this.redis.opsForList().index(this.keys.queue(shard), 0));
        assertThat(job.reservationId()).isEqualTo(reservationId);
        assertThat(job.eventId()).isEqualTo(eventId);
        assertThat(job.userId()).isEqualTo("u-123");
        assertThat(job.position()).isEqualTo(1);
        // HSET into the shard's pending hash, same job
        assertThat(pendingJob(reservationId, eventId)).isEqualTo(job);
        // and nowhere else
        for (int other = 0; other < this.keys.shards(); other++) {
            if (other != shard) {
                assertThat(queuedJobs(other)).extracting(ReservationJob::reservationId).doesNotContain(reservationId);
            }
        }
    }

    @Test
    void keepsSeparateCountersForEventsSharingAShardAndQueuesThemInPositionOrder() {
        long first = createEvent("shard-mate-1", 10);
        // an event on the same shard, known only to PostgreSQL: registered lazily on its first request
        long second = first + this.keys.shards() * 1000L;
        this.jdbc.sql("INSERT INTO events (id, name, capacity) VALUES (?, 'shard-mate-2', 10)").param(second).update();
        int shard = this.keys.shardOf(first);
        assertThat(this.keys.shardOf(second)).isEqualTo(shard);

        reserveAccepted(first, "a");
        reserveAccepted(second, "b");
        reserveAccepted(second, "c");
        reserveAccepted(first, "d");

        List<ReservationJob> jobs = queuedJobs(shard).stream()
            .filter((job) -> job.eventId() == first || job.eventId() == second)
            .toList();
        assertThat(jobs).extracting(ReservationJob::userId).containsExactly("a", "b", "c", "d");
        // the lazily registered event resumes a whole batch above anything that may be in use (see
        // EventRegistration.restore), and counts on from there
        long resumed = jobs.get(1).position();
        assertThat(resumed).isGreaterThan(QueueLimits.MAX_BATCH_SIZE);
        assertThat(jobs).extracting(ReservationJob::position).containsExactly(1L, resumed, resumed + 1, 2L);
    }

    @Test
    void handsOutEveryPositionExactlyOnceUnderConcurrentRequests() throws Exception {
        long eventId = createEvent("rush", 1000);
        int requests = 200;
        List<Callable<Long>> calls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String user = "rush-" + i;
            calls.add(() -> reserveAccepted(eventId, user).path("position").asLong());
        }
        List<Long> positions = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            for (Future<Long> result : pool.invokeAll(calls)) {
                positions.add(result.get());
            }
        }
        finally {
            pool.shutdownNow();
        }

        assertThat(positions).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, requests).boxed().toList());
        List<ReservationJob> jobs = queuedJobs(this.keys.shardOf(eventId)).stream()
            .filter((job) -> job.eventId() == eventId)
            .toList();
        // the queue order of a shard is the position order of each of its events
        assertThat(jobs).extracting(ReservationJob::position)
            .containsExactlyElementsOf(LongStream.rangeClosed(1, requests).boxed().toList());
    }

    @Test
    void refusesAnUnknownEventWith404AndQueuesNothing() {
        long unknown = createEvent("neighbour", 3) + 500_000;
        Map<String, Object> before = stateSnapshot();

        HttpResponse<String> response = reserve(unknown, "u-1");

        assertProblem(response, 404);
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void replaysTheFirstAnswerForARepeatedIdempotencyKeyAndQueuesNothing() {
        long eventId = createEvent("idempotent", 5);
        JsonNode first = reserveAccepted(eventId, "u-1", "Idempotency-Key", "key-1");
        Map<String, Object> before = stateSnapshot();

        HttpResponse<String> replay = reserve(eventId, "u-1", "Idempotency-Key", "key-1");

        assertThat(replay.statusCode()).isEqualTo(202);
        JsonNode second = body(replay);
        assertThat(second).isEqualTo(first);
        assertThat(replay.headers().firstValue("Location"))
            .hasValue("/reservations/" + first.path("reservationId").asString());
        assertThat(stateSnapshot()).isEqualTo(before);
        // the key stays for the configured TTL (24 h by default)
        Long ttl = this.redis.getExpire(this.keys.idempotency(eventId, "u-1"));
        assertThat(ttl).isBetween(24 * 3600L - 60, 24 * 3600L);
    }

    @Test
    void scopesIdempotencyKeysToTheirUser() {
        long eventId = createEvent("idempotent-users", 5);
        JsonNode first = reserveAccepted(eventId, "u-1", "Idempotency-Key", "shared-key");

        JsonNode other = reserveAccepted(eventId, "u-2", "Idempotency-Key", "shared-key");

        assertThat(other.path("reservationId")).isNotEqualTo(first.path("reservationId"));
        assertThat(other.path("position").asLong()).isEqualTo(2);
        assertThat(reserveAccepted(eventId, "u-1", "Idempotency-Key", "shared-key")).isEqualTo(first);
    }

    @Test
    void keepsOneIdempotencyAnswerPerUserAndEventWhateverTheNumberOfKeys() {
        long eventId = createEvent("idempotent-flood", 5);
        JsonNode latest = null;
        for (int i = 0; i < 1_000; i++) {
            latest = reserveAccepted(eventId, "u-1", "Idempotency-Key", "key-" + i);
        }

        assertThat(keysMatching(this.keys.idempotency(eventId, "*"))).containsExactly(
                this.keys.idempotency(eventId, "u-1"));
        // the latest key is the one remembered: its retry replays, an older key's retry is a new request
        assertThat(reserveAccepted(eventId, "u-1", "Idempotency-Key", "key-999")).isEqualTo(latest);
        assertThat(reserveAccepted(eventId, "u-1", "Idempotency-Key", "key-0").path("position").asLong())
            .isEqualTo(1_001);
    }

    @Test
    void scopesIdempotencyKeysToTheirEvent() {
        long first = createEvent("scope-1", 5);
        long second = createEvent("scope-2", 5);

        JsonNode a = reserveAccepted(first, "u-1", "Idempotency-Key", "same");
        JsonNode b = reserveAccepted(second, "u-1", "Idempotency-Key", "same");

        assertThat(b.path("reservationId")).isNotEqualTo(a.path("reservationId"));
        assertThat(b.path("eventId").asLong()).isEqualTo(second);
    }

    @Test
    void registersAnEventRedisLostAgainWithItsCounterResumedAWholeBatchAboveTheLastDecidedAndUnacknowledgedOnes() {
        long eventId = createEvent("restored", 100);
        reserveAccepted(eventId, "before-loss");
        // as if Redis restarted without persistence after the consumer had decided up to position 41
        this.jdbc.sql("UPDATE events SET last_position = 41 WHERE id = ?").param(eventId).update();
        this.redis.delete(this.keys.event(eventId));
        long resumed = 41 + unacknowledged(eventId) + QueueLimits.MAX_BATCH_SIZE;

        JsonNode accepted = reserveAccepted(eventId, "after-loss");

        assertThat(accepted.path("position").asLong()).isEqualTo(resumed + 1);
        assertThat(eventField(eventId, "capacity")).isEqualTo("100");
        assertThat(eventField(eventId, "seq")).isEqualTo(Long.toString(resumed + 1));
        assertThat(reserveAccepted(eventId, "next").path("position").asLong()).isEqualTo(resumed + 2);
        assertThat(this.jdbc.sql("SELECT resumed_position FROM events WHERE id = ?").param(eventId).query(Long.class)
            .single()).isEqualTo(resumed);
    }

    @Test
    void resumesAbovePendingPositionsWhenOnlyTheEventKeyWasLost() {
        long eventId = createEvent("partly-lost", 100);
        for (int i = 0; i < 3; i++) {
            reserveAccepted(eventId, "queued-" + i);
        }
        // the jobs are still pending, nothing decided yet (last_position 0), and the event hash alone is gone
        this.redis.delete(this.keys.event(eventId));
        long unacknowledged = unacknowledged(eventId);
        assertThat(unacknowledged).isGreaterThanOrEqualTo(3);

        assertThat(reserveAccepted(eventId, "after-loss").path("position").asLong())
            .isEqualTo(unacknowledged + QueueLimits.MAX_BATCH_SIZE + 1);
    }

    @Test
    void answers409AtTheDoorOnceTheLastSeatIsCommittedAndQueuesNothing() {
        long eventId = createEvent("sold-out", 1);
        sellOutTo(eventId, reserveAccepted(eventId, "winner"));
        Map<String, Object> before = stateSnapshot();

        JsonNode problem = assertProblem(reserve(eventId, "too-late"), 409);

        assertThat(problem.path("reason").asString()).isEqualTo("SOLD_OUT");
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void replaysARequestAcceptedBeforeTheSellOutAfterLateRequestsWereRefused() {
        long eventId = createEvent("sold-out-replay", 1);
        JsonNode winner = reserveAccepted(eventId, "winner", "Idempotency-Key", "winner-key");
        sellOutTo(eventId, winner);
        // the producer has seen the sell-out: later requests without a key are refused without asking Redis
        assertProblem(reserve(eventId, "late-1"), 409);
        assertProblem(reserve(eventId, "late-2"), 409);

        JsonNode retried = reserveAccepted(eventId, "winner", "Idempotency-Key", "winner-key");

        assertThat(retried.path("reservationId").asString()).isEqualTo(winner.path("reservationId").asString());
        assertThat(retried.path("position").asLong()).isEqualTo(1);
        assertThat(assertProblem(reserve(eventId, "late-3", "Idempotency-Key", "late-key"), 409).path("reason")
            .asString()).isEqualTo("SOLD_OUT");
    }

    @Test
    void keepsAcceptingWhileTheSoldOutFlagIsNotRaised() {
        long eventId = createEvent("full-not-flagged", 1);
        reserveAccepted(eventId, "first");

        // the only seat may still go to someone else if the first request turns out a duplicate or fails: accept
        assertThat(reserveAccepted(eventId, "second").path("position").asLong()).isEqualTo(2);
    }

    @Test
    void restoresTheSoldOutStateOfPostgresWhenRedisLostTheEvent() {
        long eventId = createEvent("sold-out-restored", 1);
        this.jdbc.sql("UPDATE events SET sold_out_at = now(), last_position = 5 WHERE id = ?").param(eventId).update();
        this.redis.delete(this.keys.event(eventId));

        long resumed = 5 + unacknowledged(eventId) + QueueLimits.MAX_BATCH_SIZE;

        assertThat(assertProblem(reserve(eventId, "late"), 409).path("reason").asString()).isEqualTo("SOLD_OUT");
        assertThat(eventField(eventId, "seq")).isEqualTo(Long.toString(resumed));
    }

    /** The jobs of the event's shard accepted and not acknowledged: pending, or dead-lettered. */
    private long unacknowledged(long eventId) {
        int shard = this.keys.shardOf(eventId);
        return this.redis.opsForHash().size(this.keys.pending(shard))
                + this.redis.opsForList().size(this.keys.deadLetter(shard));
    }

    /**
     * What the consumer does for an event of one seat: commit the seat to the accepted request, then raise the flag.
     */
    private void sellOutTo(long eventId, JsonNode accepted) {
        ReservationJob job = pendingJob(UUID.fromString(accepted.path("reservationId").asString()), eventId);
        insertDecision(job, "CONFIRMED", null, 1);
        this.jdbc.sql("UPDATE events SET reserved = 1, last_position = 1, sold_out_at = now() WHERE id = ?")
            .param(eventId)
            .update();
        this.redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(eventId)));
    }

}
