package dev.fcfs.shared.redis;

/**
 * What a service does when the Redis that holds the queues may evict keys ({@code maxmemory-policy} other than
 * {@code noeviction}, or a policy that cannot be read): {@code reservation.redis.eviction-policy-check}.
 */
public enum EvictionPolicyCheck {

    /**
     * Refuse: start-up fails with the policy found and the fix; if Redis could only be checked later, the producer
     * answers 503 to requests that would queue jobs and the consumer takes no shard until the policy is
     * {@code noeviction}. The default.
     */
    FAIL,

    /** Log a warning (once per finding) and run anyway. */
    WARN,

    /** Do not read the policy at all. */
    OFF

}
