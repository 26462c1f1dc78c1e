package dev.fcfs.producer.reservation;

import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.fcfs.producer.system.BatchingScriptRunner;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.EnqueueBatch.Status;
import dev.fcfs.shared.queue.QueueKeys;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/** The producer's side of the Redis queue. */
@Component
class ReservationQueue {

    private static final EnqueueBatch.Outcome SOLD_OUT = new EnqueueBatch.Outcome(Status.SOLD_OUT, null, null);

    /**
     * Events the script has answered SOLD_OUT or CLOSED for, with that answer. Both are final: the sold-out flag is
     * only raised after the last seat is committed and is never lowered, and a sale window cannot change once the
     * event has opened, which a closed one has. So the flood of late requests is answered without Redis. Requests
     * with an Idempotency-Key still go to the script: the first answer under their key comes before the refusal.
     */
    private final Cache<Long, EnqueueBatch.Outcome> finalRefusals = Caffeine.newBuilder().maximumSize(100_000).build();

    private final StringRedisTemplate redis;

    private final BatchingScriptRunner<EnqueueBatch.Request, EnqueueBatch.Outcome> enqueue;

    private final QueueKeys keys;

    ReservationQueue(StringRedisTemplate redis,
            BatchingScriptRunner<EnqueueBatch.Request, EnqueueBatch.Outcome> enqueue, QueueKeys keys) {
        this.redis = redis;
        this.enqueue = enqueue;
        this.keys = keys;
    }

    /**
     * Runs {@code enqueue.lua} for this request, together with the other requests of its shard that arrive
     * meanwhile: assigns the position and queues the job, or replays the answer stored under the idempotency key,
     * or refuses (event unknown to Redis, not open yet, closed, sold out, or shard queue full).
     */
    EnqueueBatch.Outcome enqueue(UUID reservationId, long eventId, String userId, @Nullable String idempotencyKey) {
        if (idempotencyKey == null) {
            EnqueueBatch.Outcome refusal = this.finalRefusals.getIfPresent(eventId);
            if (refusal != null) {
                return refusal;
            }
        }
        EnqueueBatch.Outcome outcome = this.enqueue
            .run(new EnqueueBatch.Request(reservationId, eventId, userId, idempotencyKey));
        if (outcome.status() == Status.SOLD_OUT) {
            this.finalRefusals.put(eventId, SOLD_OUT);
        }
        else if (outcome.status() == Status.CLOSED) {
            this.finalRefusals.put(eventId, outcome);
        }
        return outcome;
    }

    /** {@code HGET} of the shard's pending hash: the raw job while it is accepted but not yet acknowledged. */
    @Nullable String pendingJob(UUID reservationId, long eventId) {
        return this.redis.<String, String>opsForHash()
            .get(this.keys.pending(this.keys.shardOf(eventId)), reservationId.toString());
    }

}
