package dev.fcfs.shared.queue;

/**
 * Bounds that both services must agree on, because the correctness of one depends on the other's setting.
 */
public final class QueueLimits {

    /**
     * The most jobs a worker may take into one batch ({@code reservation.worker.batch-size} may not exceed it). The
     * producer relies on it when Redis has lost an event: jobs a worker holds in memory are in no Redis key, and a
     * worker holds at most one batch, so resuming the event's position counter this far above everything PostgreSQL
     * and Redis still know can never hand out a position such a job carries.
     */
    public static final int MAX_BATCH_SIZE = 10_000;

    private QueueLimits() {
    }

}
