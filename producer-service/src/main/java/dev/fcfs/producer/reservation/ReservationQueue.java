package dev.fcfs.producer.reservation;

import java.util.UUID;

import dev.fcfs.producer.system.BatchingScriptRunner;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.QueueKeys;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/** The producer's side of the Redis queue. */
@Component
class ReservationQueue {

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
     * or refuses (event unknown to Redis, sold out, or shard queue full).
     */
    EnqueueBatch.Outcome enqueue(UUID reservationId, long eventId, String userId, @Nullable String idempotencyKey) {
        return this.enqueue.run(new EnqueueBatch.Request(reservationId, eventId, userId, idempotencyKey));
    }

    /** {@code HGET} of the shard's pending hash: the raw job while it is accepted but not yet acknowledged. */
    @Nullable String pendingJob(UUID reservationId, long eventId) {
        return this.redis.<String, String>opsForHash()
            .get(this.keys.pending(this.keys.shardOf(eventId)), reservationId.toString());
    }

}
