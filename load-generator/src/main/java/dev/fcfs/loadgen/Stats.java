package dev.fcfs.loadgen;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

import dev.fcfs.loadgen.LoadDriver.Request;
import dev.fcfs.loadgen.LoadDriver.Reserve;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Live counters of a burst, fed by {@link LoadDriver.Listener}: every answer by kind, and the latency of the first
 * sending of each valid reservation request (malformed requests and resends are counted, not timed); plus the
 * decided and confirmed counts read while it runs.
 */
final class Stats implements LoadDriver.Listener {

    /** Latencies in nanoseconds, up to an hour, to 3 significant digits. */
    private final ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000_000L, 3);

    private final LongAdder sent = new LongAdder();

    private final LongAdder accepted = new LongAdder();

    private final LongAdder soldOut = new LongAdder();

    private final LongAdder tooMany = new LongAdder();

    private final LongAdder unavailable = new LongAdder();

    private final LongAdder clientErrors = new LongAdder();

    private final LongAdder otherAnswers = new LongAdder();

    private final LongAccumulator lastAnswer = new LongAccumulator(Math::max, Long.MIN_VALUE);

    private final AtomicLong decided = new AtomicLong();

    /** Seats confirmed so far, -1 until first read. */
    private final AtomicLong confirmed = new AtomicLong(-1);

    /** Set once decided counts come from reading every reservation back: estimates no longer replace them. */
    private boolean decidedExactly;

    @Override
    public void answered(Request request, int attempt, int status, long latencyNanos) {
        this.sent.increment();
        this.lastAnswer.accumulate(System.nanoTime());
        if (status >= 200 && status <= 299) {
            this.accepted.increment();
        }
        else if (status == 409) {
            this.soldOut.increment();
        }
        else if (status == 429) {
            this.tooMany.increment();
        }
        else if (status == 503) {
            this.unavailable.increment();
        }
        else if (status >= 400 && status <= 499) {
            this.clientErrors.increment();
        }
        else {
            this.otherAnswers.increment();
        }
        if (attempt == 1 && request instanceof Reserve) {
            this.latency.recordValue(Math.max(0, latencyNanos));
        }
    }

    /** Decided as counted by reading every accepted reservation back. */
    synchronized void decided(long count) {
        this.decidedExactly = true;
        this.decided.set(count);
    }

    /** Decided as {@link LiveDecisions} estimates it while the burst runs; ignored once exact counts arrive. */
    synchronized void decidedSoFar(long count) {
        if (!this.decidedExactly) {
            this.decided.set(count);
        }
    }

    void confirmed(long count) {
        this.confirmed.set(count);
    }

    /** A copy of the latency histogram (nanoseconds). */
    Histogram latency() {
        return this.latency.copy();
    }

    long sent() {
        return this.sent.sum();
    }

    long accepted() {
        return this.accepted.sum();
    }

    long soldOut() {
        return this.soldOut.sum();
    }

    long tooMany() {
        return this.tooMany.sum();
    }

    long unavailable() {
        return this.unavailable.sum();
    }

    long clientErrors() {
        return this.clientErrors.sum();
    }

    long otherAnswers() {
        return this.otherAnswers.sum();
    }

    long decided() {
        return this.decided.get();
    }

    /** Seats confirmed so far, -1 if not read yet. */
    long confirmed() {
        return this.confirmed.get();
    }

    /** {@link System#nanoTime()} of the last answer, or {@code Long.MIN_VALUE} before any. */
    long lastAnswerNanos() {
        return this.lastAnswer.get();
    }

    /** The progress line: elapsed, answers by kind, decided and confirmed so far, and the generator's CPU. */
    String progressLine(double elapsedSeconds, CpuUsage cpu) {
        long confirmedSeats = confirmed();
        return String.format(Locale.ROOT,
                "%.1fs | sent %d | 202 %d | 409 sold out %d | 429 %d | 503 %d | 4xx %d | other %d | decided %d | "
                        + "confirmed %s | %s",
                elapsedSeconds, sent(), accepted(), soldOut(), tooMany(), unavailable(), clientErrors(),
                otherAnswers(), decided(), (confirmedSeats < 0) ? "-" : Long.toString(confirmedSeats),
                cpu.describe());
    }

}
