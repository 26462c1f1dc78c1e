package dev.fcfs.shared.redis;

/**
 * The Redis that holds the queues may evict keys, or its policy cannot be read, and
 * {@code reservation.redis.eviction-policy-check} is {@code fail}.
 */
public class UnsafeEvictionPolicyException extends IllegalStateException {

    private final String finding;

    public UnsafeEvictionPolicyException(String finding) {
        this(finding, "");
    }

    UnsafeEvictionPolicyException(String finding, String consequence) {
        super(finding + consequence);
        this.finding = finding;
    }

    /** What was found, without what the service does about it. */
    public String finding() {
        return this.finding;
    }

}
