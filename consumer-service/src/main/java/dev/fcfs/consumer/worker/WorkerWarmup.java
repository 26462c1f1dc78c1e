package dev.fcfs.consumer.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.fcfs.consumer.decision.BatchOutcome;
import dev.fcfs.consumer.decision.RolledBackDecisions;
import dev.fcfs.consumer.worker.JobQueue.TakenJob;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.shared.warmup.Plateau;
import dev.fcfs.shared.warmup.ScratchRuns;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Warms the worker before it takes a shard and before it reports ready (Spring Boot turns readiness to
 * {@code ACCEPTING_TRAFFIC} only after every {@link ApplicationRunner} has returned). It runs the worker's steps on
 * full batches of scratch jobs: queue them on a scratch run's keys ({@link ScratchRuns}), take them with
 * {@code take_batch.lua}, decode them, decide them in PostgreSQL in a transaction that is rolled back
 * ({@link RolledBackDecisions}), acknowledge them with {@code ack.lua}; until a batch takes as long as the ones
 * before it with the JIT compilers quiet, or {@code reservation.warmup.max-duration} has passed. Then it removes the
 * run's keys and starts the {@link ShardCoordinator}, which waits for it. It never stops the start-up: whatever fails,
 * it logs why and starts the coordinator.
 */
@Component
class WorkerWarmup implements ApplicationRunner {

    private static final Logger logger = LoggerFactory.getLogger(WorkerWarmup.class);

    /** The scratch queue's only shard in Redis; in PostgreSQL each run uses a negative shard number of its own. */
    private static final int SHARD = 0;

    private final WarmupProperties properties;

    private final ShardCoordinator coordinator;

    private final ScratchRuns runs;

    private final StringRedisTemplate redis;

    private final JobCodec codec;

    private final RolledBackDecisions decisions;

    private final int batchSize;

    private volatile @Nullable Result result;

    WorkerWarmup(WarmupProperties properties, ShardCoordinator coordinator, ScratchRuns runs,
            StringRedisTemplate redis, JobCodec codec, RolledBackDecisions decisions, WorkerProperties worker) {
        this.properties = properties;
        this.coordinator = coordinator;
        this.runs = runs;
        this.redis = redis;
        this.codec = codec;
        this.decisions = decisions;
        this.batchSize = worker.batchSize();
        if (properties.enabled()) {
            coordinator.setAutoStartup(false);
        }
    }

    @Override
    public void run(ApplicationArguments args) {
        try {
            if (this.properties.enabled()) {
                warmUp();
            }
            else {
                logger.info("Warm-up off (reservation.warmup.enabled=false): ready without it");
            }
        }
        finally {
            if (!this.coordinator.isRunning()) {
                this.coordinator.start();
            }
        }
    }

    /** What the last warm-up did, or null if none ran to its end. */
    @Nullable Result result() {
        return this.result;
    }

    private void warmUp() {
        long started = System.nanoTime();
        this.runs.warmUp(this.properties.maxDuration(), (run) -> {
            JobQueue queue = new JobQueue(this.redis, run.keys());
            ThreadLocalRandom random = ThreadLocalRandom.current();
            // ids no real event or shard has, and another consumer warming up at the same time most likely not
            long event = ScratchRuns.SOLD_OUT_EVENT - ScratchRuns.OPEN_EVENTS - 1 - random.nextInt(1 << 20);
            int shard = -1 - random.nextInt(1 << 20);
            // a wider band than the producer's: each measurement is one short batch, whose speed scatters more
            Plateau plateau = new Plateau(4, 0.15, 0.10);
            long bound = started + this.properties.maxDuration().toNanos();
            int batches = 0;
            long decisions = 0;
            String end;
            while (true) {
                long took = decideOneBatch(queue, event, shard);
                batches++;
                decisions += this.batchSize;
                double perSecond = this.batchSize * 1e9 / Math.max(took, 1);
                logger.debug("Warm-up: batch {} of {} jobs in {} ms", batches, this.batchSize, took / 1_000_000);
                if (plateau.add(perSecond)) {
                    end = "batches steady at " + Math.round(plateau.recentMean()) + " decisions/s";
                    break;
                }
                if (System.nanoTime() - bound >= 0) {
                    end = "time bound of " + this.properties.maxDuration().toMillis() + " ms reached, last batch "
                            + Math.round(perSecond) + " decisions/s";
                    break;
                }
            }
            this.result = new Result(batches, decisions, end, this.coordinator.isRunning(), System.nanoTime());
            logger.info("Warm-up finished in {} ms ({}): {} scratch batches, {} decisions rolled back; JIT compilation "
                    + "so far {} ms", millisSince(started), end, batches, decisions, Plateau.compilationMillis());
        });
    }

    /**
     * One full batch through the worker's steps, with a tenth of the users asking twice and room for half of the
     * batch, so that every kind of decision is made.
     * @return nanoseconds from taking the batch to its acknowledgement
     */
    private long decideOneBatch(JobQueue queue, long event, int shard) {
        Instant now = Instant.now();
        String[] raws = new String[this.batchSize];
        Map<String, String> pending = new HashMap<>();
        for (int i = 0; i < this.batchSize; i++) {
            ReservationJob job = new ReservationJob(ReservationId.newFor(event), event,
                    "w" + (i % (this.batchSize * 9 / 10 + 1)), i + 1L, now);
            raws[i] = this.codec.encode(job);
            pending.put(job.reservationId().toString(), raws[i]);
        }
        this.redis.opsForList().leftPushAll(queue.keys().queue(SHARD), raws);
        this.redis.opsForHash().putAll(queue.keys().pending(SHARD), pending);

        long started = System.nanoTime();
        List<String> batch = queue.takeBatch(SHARD, this.batchSize);
        List<TakenJob> taken = new ArrayList<>(batch.size());
        for (String raw : batch) {
            taken.add(new TakenJob(raw, this.codec.decode(raw)));
        }
        BatchOutcome outcome = this.decisions.decideAndRollBack(event, this.batchSize / 2, shard,
                taken.stream().map(TakenJob::job).toList());
        if (outcome.decided().size() != taken.size()) {
            throw new IllegalStateException("a scratch batch of " + taken.size() + " jobs got "
                    + outcome.decided().size() + " decisions");
        }
        queue.acknowledge(SHARD, taken);
        return System.nanoTime() - started;
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    /**
     * What a warm-up did: batches and decisions, why it ended, whether the coordinator was running meanwhile (it must
     * not be), and when it ended ({@link System#nanoTime}).
     */
    record Result(int batches, long decisions, String end, boolean coordinatorRunning, long endedAtNanos) {
    }

}
