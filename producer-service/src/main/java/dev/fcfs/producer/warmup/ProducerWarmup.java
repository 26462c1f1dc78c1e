package dev.fcfs.producer.warmup;

import java.time.Duration;
import java.util.List;

import dev.fcfs.producer.reservation.WarmupTraffic;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.warmup.Plateau;
import dev.fcfs.shared.warmup.ScratchRuns;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Warms the producer before it reports ready. Spring Boot turns readiness to {@code ACCEPTING_TRAFFIC} only after
 * every {@link ApplicationRunner} has returned, so this runner holds readiness back while it sends the service's own
 * HTTP port a drop's mix of requests ({@link WarmupLoad}) on a scratch run's keys ({@link ScratchRuns},
 * {@link WarmupTraffic}), until the rate it gets has stopped rising and the JIT compiler has gone quiet, or
 * {@code reservation.warmup.max-duration} has passed. Then it removes the run's keys. It never stops the start-up:
 * whatever fails, it logs why and returns.
 */
@Component
class ProducerWarmup implements ApplicationRunner {

    private static final Logger logger = LoggerFactory.getLogger(ProducerWarmup.class);

    /** The rate is judged over windows of this length. */
    private static final long WINDOW_NANOS = 500_000_000L;

    /** Not before: the first seconds are the interpreter's and C1's, whose rate can look flat for a moment. */
    private static final long MIN_NANOS = 3_000_000_000L;

    private final WarmupProperties properties;

    private final WarmupTraffic traffic;

    private final ScratchRuns runs;

    private final StringRedisTemplate redis;

    private final WebServerApplicationContext context;

    private volatile @Nullable Result result;

    ProducerWarmup(WarmupProperties properties, WarmupTraffic traffic, ScratchRuns runs, StringRedisTemplate redis,
            WebServerApplicationContext context) {
        this.properties = properties;
        this.traffic = traffic;
        this.runs = runs;
        this.redis = redis;
        this.context = context;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!this.properties.enabled()) {
            logger.info("Warm-up off (reservation.warmup.enabled=false): ready without it");
            return;
        }
        long started = System.nanoTime();
        this.runs.warmUp(this.properties.maxDuration(), (run) -> {
            registerScratchEvents(run.keys());
            String secret = this.traffic.open(run);
            try (WarmupLoad load = new WarmupLoad(this.context.getWebServer().getPort(), secret)) {
                load.start(this.properties.connections());
                String end = drive(load, run.keys(), started);
                // stopped before counting, so that the counts are final
                load.close();
                this.result = new Result(load.accepted.sum(), load.soldOut.sum(), load.polled.sum(), load.failed.sum(),
                        end, System.nanoTime());
                logger.info("Warm-up finished in {} ms ({}): {} requests answered as expected ({} accepted, {} sold "
                        + "out, {} polls), {} not{}; JIT compilation so far {} ms", millisSince(started), end,
                        load.accepted.sum() + load.soldOut.sum() + load.polled.sum(), load.accepted.sum(),
                        load.soldOut.sum(), load.polled.sum(), load.failed.sum(),
                        (load.firstFailure() != null) ? " (first: " + load.firstFailure() + ")" : "",
                        Plateau.compilationMillis());
            }
            finally {
                this.traffic.close();
            }
        });
    }

    /** What the last warm-up did, or null if none ran to its end. */
    @Nullable Result result() {
        return this.result;
    }

    /** Open events with room for every request, and one sold-out event, known to the accept path as usual. */
    private void registerScratchEvents(QueueKeys scratch) {
        for (int i = 0; i < ScratchRuns.OPEN_EVENTS; i++) {
            this.redis.execute(ReservationScripts.REGISTER_EVENT, List.of(scratch.event(ScratchRuns.openEvent(i))),
                    "1000000", "0", "0");
        }
        this.redis.execute(ReservationScripts.REGISTER_EVENT, List.of(scratch.event(ScratchRuns.SOLD_OUT_EVENT)), "1",
                "0", "1");
    }

    /**
     * Lets the load run until its rate has reached a plateau with the compilers quiet, the time bound passes, or
     * nothing answers as expected; meanwhile empties the scratch queues once a second, as no consumer serves them.
     * @return why it ended
     */
    private String drive(WarmupLoad load, QueueKeys scratch, long started) throws InterruptedException {
        long bound = started + this.properties.maxDuration().toNanos();
        // four half-second windows within 10% of their mean, the compilers busy less than a tenth of that time
        Plateau plateau = new Plateau(4, 0.10, 0.10);
        long lastAnswered = 0;
        long lastTrim = System.nanoTime();
        while (true) {
            Thread.sleep(WINDOW_NANOS / 1_000_000);
            long now = System.nanoTime();
            long answered = load.answered();
            double rate = (answered - lastAnswered) * 1e9 / WINDOW_NANOS;
            lastAnswered = answered;
            boolean steady = plateau.add(rate);
            logger.debug("Warm-up: {} answers/s", Math.round(rate));
            if (now - lastTrim >= 1_000_000_000L) {
                trim(scratch);
                lastTrim = now;
            }
            if (now - started >= MIN_NANOS && load.failed.sum() > 0 && load.accepted.sum() == 0) {
                return "stopped: nothing was accepted";
            }
            if (now - bound >= 0) {
                return "time bound of " + this.properties.maxDuration().toMillis() + " ms reached, last "
                        + Math.round(rate) + " answers/s";
            }
            if (steady && now - started >= MIN_NANOS) {
                return "rate steady at " + Math.round(plateau.recentMean()) + " answers/s";
            }
        }
    }

    private void trim(QueueKeys scratch) {
        for (int shard = 0; shard < scratch.shards(); shard++) {
            this.redis.delete(List.of(scratch.queue(shard), scratch.pending(shard)));
        }
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    /**
     * What a warm-up did: answers as expected of each kind, others, why it ended, and when ({@link System#nanoTime}).
     */
    record Result(long accepted, long soldOut, long polled, long failed, String end, long endedAtNanos) {
    }

}
