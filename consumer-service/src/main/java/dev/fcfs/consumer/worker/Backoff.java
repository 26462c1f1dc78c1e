package dev.fcfs.consumer.worker;

import java.time.Duration;

/** Exponential pause between retries, from 100 ms up to a ceiling; reset by the first success. */
final class Backoff {

    private static final long INITIAL_MILLIS = 100;

    private final long maxMillis;

    private long nextMillis = INITIAL_MILLIS;

    Backoff(Duration max) {
        this.maxMillis = max.toMillis();
    }

    /** How long to wait before the next attempt; doubles every call up to the ceiling. */
    long nextDelayMillis() {
        long delay = Math.min(this.nextMillis, this.maxMillis);
        this.nextMillis = Math.min(this.nextMillis * 2, this.maxMillis);
        return delay;
    }

    void reset() {
        this.nextMillis = INITIAL_MILLIS;
    }

}
