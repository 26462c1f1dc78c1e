package dev.fcfs.e2e;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.fcfs.loadgen.LoadDriver;

/**
 * One burst that lasts as long as a scenario needs it: chunks of requests sent at a fixed rate (the driver's open
 * loop) one after the other, until {@link #stop()}. Everything goes through one {@link LoadDriver}, so its history
 * covers the whole burst.
 */
final class SteadyTraffic implements AutoCloseable {

    private final Thread thread;

    private final AtomicLong sent = new AtomicLong();

    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    private volatile boolean stopping;

    private SteadyTraffic(LoadDriver driver, Supplier<List<? extends LoadDriver.Request>> chunks, double perSecond) {
        this.thread = new Thread(() -> {
            try {
                while (!this.stopping) {
                    List<? extends LoadDriver.Request> chunk = chunks.get();
                    driver.fireAtRate(chunk, perSecond).join();
                    this.sent.addAndGet(chunk.size());
                }
                this.finished.complete(null);
            }
            catch (Throwable ex) {
                this.finished.completeExceptionally(ex);
            }
        }, "steady-traffic");
        this.thread.setDaemon(true);
    }

    /**
     * Starts sending at once.
     * @param chunks the next requests to send, asked for again whenever the previous ones are all answered; keep
     * each chunk to about a second's worth, which is how late {@link #stop()} may return
     */
    static SteadyTraffic start(LoadDriver driver, Supplier<List<? extends LoadDriver.Request>> chunks,
            double perSecond) {
        SteadyTraffic traffic = new SteadyTraffic(driver, chunks, perSecond);
        traffic.thread.start();
        return traffic;
    }

    /** Requests of the chunks completed so far. */
    long sent() {
        return this.sent.get();
    }

    boolean isRunning() {
        return !this.finished.isDone();
    }

    /** Lets the current chunk finish, sends no more, and returns how many requests were sent in all. */
    long stop() {
        this.stopping = true;
        this.finished.orTimeout(Duration.ofMinutes(2).toMillis(), TimeUnit.MILLISECONDS).join();
        return this.sent.get();
    }

    @Override
    public void close() {
        this.stopping = true;
    }

}
