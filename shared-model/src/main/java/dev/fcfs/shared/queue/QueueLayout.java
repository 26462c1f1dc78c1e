package dev.fcfs.shared.queue;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Guards against a producer and a consumer that disagree on the shard count: the producer would queue an event's
 * jobs on a shard the consumers serve under another event mapping, or never serve at all. The first service to
 * start records its layout in Redis ({@code <prefix>:layout}); every later one must match it.
 */
public final class QueueLayout {

    private QueueLayout() {
    }

    /**
     * Records the layout if none is recorded yet, else compares with it.
     * @throws IllegalStateException if Redis holds a different layout for this key prefix
     */
    public static void verify(StringRedisTemplate redis, QueueKeys keys) {
        String expected = "shards=" + keys.shards();
        String key = keys.layout();
        // read before writing: a Redis at maxmemory refuses SET even for a key that exists, and a service restarted
        // while Redis is full (the consumers above all: they are what frees memory) must get past this check
        String recorded = redis.opsForValue().get(key);
        if (recorded == null) {
            redis.opsForValue().setIfAbsent(key, expected);
            recorded = redis.opsForValue().get(key);
        }
        if (recorded != null && !recorded.equals(expected)) {
            throw new IllegalStateException("Redis key '" + key + "' says this deployment runs with " + recorded
                    + ", but this service is configured with " + expected + " (reservation.queue.shards). Every "
                    + "producer and consumer must use the same value; to change it, drain the queues, delete the key "
                    + "and restart all services with the new value.");
        }
    }

}
