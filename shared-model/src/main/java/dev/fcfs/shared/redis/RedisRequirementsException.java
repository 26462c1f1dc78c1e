package dev.fcfs.shared.redis;

/**
 * The Redis that holds the queues does not meet a requirement ({@link RedisRequirements}), or has not been checked
 * yet, so nothing may be queued or taken from the queues.
 */
public class RedisRequirementsException extends IllegalStateException {

    private final String finding;

    private final String fix;

    RedisRequirementsException(String finding) {
        this(finding, "", "");
    }

    RedisRequirementsException(String finding, String consequence, String fix) {
        super(finding + consequence + fix);
        this.finding = finding;
        this.fix = fix;
    }

    /** What was found, without what the service does about it. */
    public String finding() {
        return this.finding;
    }

    /** What an operator does about it. */
    public String fix() {
        return this.fix;
    }

}
