package dev.fcfs.producer.reservation;

import java.util.List;
import java.util.UUID;

import dev.fcfs.producer.system.ApiProperties;
import dev.fcfs.producer.system.CoalescingScriptRunner;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/** The producer's side of the Redis queue: one command per call. */
@Component
class ReservationQueue {

    static final String ACCEPTED = "ACCEPTED";

    static final String REPLAY = "REPLAY";

    static final String NO_EVENT = "NO_EVENT";

    static final String SOLD_OUT = "SOLD_OUT";

    static final String BUSY = "BUSY";

    private final StringRedisTemplate redis;

    private final CoalescingScriptRunner scripts;

    private final QueueKeys keys;

    private final String idempotencyTtlSeconds;

    private final String maxQueueDepth;

    ReservationQueue(StringRedisTemplate redis, CoalescingScriptRunner scripts, QueueKeys keys,
            ApiProperties properties) {
        this.redis = redis;
        this.scripts = scripts;
        this.keys = keys;
        this.idempotencyTtlSeconds = Long.toString(properties.idempotencyTtlSeconds());
        this.maxQueueDepth = Long.toString(properties.maxQueueDepth());
    }

    /**
     * Runs {@code enqueue.lua}: one round trip that assigns the position and queues the job, or replays the answer
     * stored under the idempotency key, or refuses: event unknown to Redis, sold out, or shard queue full.
     * @return {@code [ACCEPTED, job]}, {@code [REPLAY, job]}, {@code [NO_EVENT]}, {@code [SOLD_OUT]} or {@code [BUSY]}
     */
    List<String> enqueue(UUID reservationId, long eventId, String userId, @Nullable String idempotencyKey) {
        int shard = this.keys.shardOf(eventId);
        String[] scriptKeys = (idempotencyKey != null)
                ? new String[] { this.keys.event(eventId), this.keys.queue(shard), this.keys.pending(shard),
                        this.keys.idempotency(eventId, idempotencyKey) }
                : new String[] { this.keys.event(eventId), this.keys.queue(shard), this.keys.pending(shard) };
        return this.scripts.run(ReservationScripts.ENQUEUE, scriptKeys, reservationId.toString(),
                Long.toString(eventId), userId, this.idempotencyTtlSeconds, this.maxQueueDepth);
    }

    /** {@code HGET} of the shard's pending hash: the raw job while it is accepted but not yet acknowledged. */
    @Nullable String pendingJob(UUID reservationId, long eventId) {
        return this.redis.<String, String>opsForHash()
            .get(this.keys.pending(this.keys.shardOf(eventId)), reservationId.toString());
    }

}
