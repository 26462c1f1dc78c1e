package dev.fcfs.consumer.lease;

import java.time.Duration;

/**
 * This process's view of how long it may still act on a shard. It counts from the moment a renewal was
 * <em>sent</em>, minus a tenth of the TTL for clock drift, so the local view always ends before Redis lets the key
 * expire. The fencing token, not this view, is what makes a late write impossible; this view only stops a worker
 * from trying.
 */
public final class Lease {

    private final Duration ttl;

    private volatile long validUntilNanos;

    private volatile boolean revoked;

    public Lease(Duration ttl, long acquiredAtNanos) {
        this.ttl = ttl;
        renewed(acquiredAtNanos);
    }

    public void renewed(long requestSentAtNanos) {
        this.validUntilNanos = requestSentAtNanos + this.ttl.toNanos() - this.ttl.toNanos() / 10;
    }

    public void revoke() {
        this.revoked = true;
    }

    /** Whether the worker may still take and decide jobs of the shard. */
    public boolean isValid() {
        return !this.revoked && System.nanoTime() - this.validUntilNanos < 0;
    }

}
