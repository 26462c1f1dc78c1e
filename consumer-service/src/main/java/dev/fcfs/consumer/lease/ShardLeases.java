package dev.fcfs.consumer.lease;

import java.time.Duration;
import java.util.List;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Shard ownership in Redis: a lease key per shard holding the owner's id with a TTL, and a sorted set of live
 * consumers, by which each consumer works out its fair share of the shards.
 */
@Component
public class ShardLeases {

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    public ShardLeases(StringRedisTemplate redis, QueueKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * Takes a free shard, or confirms a lease that is still ours (after a Redis hiccup): {@code acquire_lease.lua},
     * which works when Redis is at maxmemory too.
     * @return whether the caller owns the shard now
     */
    public boolean tryAcquire(int shard, String owner, Duration ttl) {
        Long held = this.redis.execute(ReservationScripts.ACQUIRE_LEASE, List.of(this.keys.lease(shard)), owner,
                Long.toString(ttl.toMillis()));
        return held != null && held == 1L;
    }

    /** Extends a lease the caller owns; false if it has expired or belongs to another consumer. */
    public boolean renew(int shard, String owner, Duration ttl) {
        Long renewed = this.redis.execute(ReservationScripts.RENEW_LEASE, List.of(this.keys.lease(shard)), owner,
                Long.toString(ttl.toMillis()));
        return renewed != null && renewed == 1L;
    }

    /** Gives a lease up if the caller owns it, so another consumer can take the shard without waiting. */
    public void release(int shard, String owner) {
        this.redis.execute(ReservationScripts.RELEASE_LEASE, List.of(this.keys.lease(shard)), owner);
    }

    /**
     * Records that this consumer is alive until {@code now + ttl}, forgets consumers whose heartbeat lapsed,
     * and returns how many are alive (this one included): {@code heartbeat.lua}, which works when Redis is at
     * maxmemory too.
     */
    public long heartbeat(String owner, long nowMillis, Duration ttl) {
        Long live = this.redis.execute(ReservationScripts.HEARTBEAT, List.of(this.keys.consumers()), owner,
                Long.toString(nowMillis + ttl.toMillis()), Long.toString(nowMillis));
        return (live != null) ? Math.max(1, live) : 1;
    }

    /** Removes this consumer from the live set at shutdown, so the others take its share at once. */
    public void leave(String owner) {
        this.redis.opsForZSet().remove(this.keys.consumers(), owner);
    }

}
