package dev.fcfs.producer.reservation;

import java.util.List;
import java.util.OptionalLong;

import dev.fcfs.producer.system.BatchedScript;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;

import org.springframework.data.redis.core.script.RedisScript;

/** {@code enqueue.lua} for the batching runner: requests of one shard share an invocation. */
class EnqueueScript implements BatchedScript<EnqueueBatch.Request, EnqueueBatch.Outcome> {

    private final QueueKeys keys;

    private final long idempotencyTtlSeconds;

    private final OptionalLong maxQueueDepth;

    EnqueueScript(QueueKeys keys, long idempotencyTtlSeconds, long maxQueueDepth) {
        this.keys = keys;
        this.idempotencyTtlSeconds = idempotencyTtlSeconds;
        this.maxQueueDepth = OptionalLong.of(maxQueueDepth);
    }

    @Override
    public RedisScript<?> script() {
        return ReservationScripts.ENQUEUE;
    }

    @Override
    public int groupOf(EnqueueBatch.Request request) {
        return this.keys.shardOf(request.eventId());
    }

    @Override
    public Invocation<EnqueueBatch.Outcome> invocation(List<EnqueueBatch.Request> requests) {
        EnqueueBatch batch = EnqueueBatch.of(this.keys, requests);
        String[] args = batch.args(this.idempotencyTtlSeconds, this.maxQueueDepth);
        return new Invocation<>() {

            @Override
            public String[] keys() {
                return batch.keys();
            }

            @Override
            public String[] args() {
                return args;
            }

            @Override
            public List<EnqueueBatch.Outcome> outcomes(List<?> reply) {
                return batch.outcomes(reply);
            }

        };
    }

}
