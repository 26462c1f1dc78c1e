package dev.fcfs.consumer.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.fcfs.consumer.decision.BatchDecider;
import dev.fcfs.consumer.decision.BatchOutcome;
import dev.fcfs.consumer.decision.DecisionFailure;
import dev.fcfs.consumer.decision.FencingTokens;
import dev.fcfs.consumer.decision.LeaseLostException;
import dev.fcfs.consumer.lease.Lease;
import dev.fcfs.consumer.worker.JobQueue.TakenJob;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.MalformedJobException;
import dev.fcfs.shared.job.ReservationJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The loop that serves one shard while this consumer owns it: take the oldest batch, decide it in one
 * transaction, acknowledge it, repeat; wait with {@code BRPOPLPUSH} when there is nothing to do.
 *
 * <p>It never gives a job up because a server is unreachable: the batch stays in the processing list and the
 * same batch is tried again after a pause that grows up to {@code max-backoff}. A batch that fails with a data
 * error instead (a constraint or a value PostgreSQL refuses, the same on every attempt) holds a poison job: the
 * batch is split in halves, older half first, until the jobs that still fail alone are found; those are
 * dead-lettered with PostgreSQL's message and the others decided in order ({@link #isolatePoison}). It stops when
 * asked to (shutdown, rebalancing: the current batch is finished first), when its lease lapses, or when PostgreSQL
 * says another consumer holds a newer fencing token.
 */
public final class ShardWorker implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(ShardWorker.class);

    private final int shard;

    private final String owner;

    private final Lease lease;

    private final JobQueue queue;

    private final BatchDecider decider;

    private final FencingTokens fencingTokens;

    private final JobCodec codec;

    private final WorkerProperties properties;

    private final WorkerMetrics metrics;

    private volatile boolean running = true;

    /**
     * {@code System.nanoTime()} of the shard's last move: a job committed or dead-lettered, or the shard found with
     * nothing to decide. How long ago that was, while jobs wait, is how long the shard has been stuck.
     */
    private volatile long lastProgressNanos = System.nanoTime();

    ShardWorker(int shard, String owner, Lease lease, ShardWorkerFactory parts) {
        this.shard = shard;
        this.owner = owner;
        this.lease = lease;
        this.queue = parts.queue();
        this.decider = parts.decider();
        this.fencingTokens = parts.fencingTokens();
        this.codec = parts.codec();
        this.properties = parts.properties();
        this.metrics = parts.metrics();
    }

    /**
     * Time since this worker last moved its shard forward (committed or dead-lettered a job) or found it with
     * nothing to decide; only means "stuck" while jobs are waiting.
     */
    public Duration sinceProgress() {
        return Duration.ofNanos(System.nanoTime() - this.lastProgressNanos);
    }

    /** Asks the loop to end after the batch in hand; jobs not yet taken stay in Redis for the next owner. */
    public void stop() {
        this.running = false;
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff(this.properties.maxBackoff());
        boolean failing = false;
        long fencingToken = 0;
        while (this.running && this.lease.isValid()) {
            try {
                if (fencingToken == 0) {
                    // before reading any job: from now on no earlier owner can commit for this shard
                    fencingToken = this.fencingTokens.takeOver(this.shard, this.owner);
                    logger.info("Shard {} taken with fencing token {}", this.shard, fencingToken);
                }
                if (!decideNextBatch(fencingToken)) {
                    this.queue.awaitJob(this.shard, this.properties.blockTimeout());
                }
                if (failing) {
                    logger.info("Shard {} is back to work", this.shard);
                    failing = false;
                }
                backoff.reset();
            }
            catch (LeaseLostException ex) {
                logger.warn("Shard {}: {}; stopping", this.shard, ex.getMessage());
                return;
            }
            catch (RuntimeException ex) {
                // Redis or PostgreSQL unreachable, or a transaction that failed for a reason other than its jobs' data
                // (those are isolated in decide): log once, keep the batch, retry
                this.metrics.failed(ex);
                if (!failing) {
                    logger.warn("Shard {} cannot make progress, retrying with backoff: {}", this.shard, ex.toString());
                    failing = true;
                }
                pause(backoff.nextDelayMillis());
            }
        }
        logger.info("Shard {} released by its worker (running={}, lease valid={})", this.shard, this.running,
                this.lease.isValid());
    }

    /** @return false when the shard had nothing to decide */
    private boolean decideNextBatch(long fencingToken) {
        List<String> batch = this.queue.takeBatch(this.shard, this.properties.batchSize());
        if (batch.isEmpty()) {
            // up to date: time spent idle is no time without progress
            this.lastProgressNanos = System.nanoTime();
            return false;
        }
        List<TakenJob> taken = new ArrayList<>(batch.size());
        for (String raw : batch) {
            try {
                taken.add(new TakenJob(raw, this.codec.decode(raw)));
            }
            catch (MalformedJobException ex) {
                logger.warn("Shard {}: dead-lettering an undecodable job ({}): {}", this.shard, ex.getMessage(), raw);
                this.queue.deadLetter(this.shard, raw, "undecodable: " + ex.getMessage());
                this.metrics.deadLettered();
                this.lastProgressNanos = System.nanoTime();
            }
        }
        if (!taken.isEmpty()) {
            decide(fencingToken, taken);
        }
        return true;
    }

    /**
     * Decides, commits and acknowledges the jobs, in one transaction. A data error goes to {@link #isolatePoison};
     * anything else (an outage, a lost lease) is thrown to the loop, with nothing of these jobs acknowledged.
     */
    private void decide(long fencingToken, List<TakenJob> jobs) {
        if (!this.lease.isValid()) {
            throw new LeaseLostException(this.shard, fencingToken);
        }
        long started = System.nanoTime();
        BatchOutcome outcome;
        try {
            outcome = this.decider.decide(this.shard, fencingToken, jobs.stream().map(TakenJob::job).toList());
        }
        catch (LeaseLostException ex) {
            throw ex;
        }
        catch (RuntimeException ex) {
            DecisionFailure failure = DecisionFailure.of(ex);
            if (!failure.dataError()) {
                throw ex;
            }
            isolatePoison(fencingToken, jobs, failure);
            return;
        }
        acknowledge(jobs, outcome);
        this.metrics.batchDecided(outcome, Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * The jobs failed together with a data error, which would repeat on every retry: decide the older half, then the
     * newer half (each split again if it fails the same way), so that every good job is committed in its place in
     * line and only a job that fails on its own is dead-lettered. Rolled-back attempts leave nothing behind, so a
     * poison job changes no seat and no position for the jobs after it. An outage during the search is thrown to the
     * loop like any other: what was committed so far is acknowledged, the rest stays in the processing list.
     */
    private void isolatePoison(long fencingToken, List<TakenJob> jobs, DecisionFailure failure) {
        if (jobs.size() == 1) {
            deadLetterPoison(jobs.get(0), failure);
            return;
        }
        logger.debug("Shard {}: {} jobs failed together with a data error ({}); deciding them in halves", this.shard,
                jobs.size(), failure.message());
        int half = jobs.size() / 2;
        decide(fencingToken, jobs.subList(0, half));
        decide(fencingToken, jobs.subList(half, jobs.size()));
    }

    private void deadLetterPoison(TakenJob job, DecisionFailure failure) {
        try (MDC.MDCCloseable ignored = MDC.putCloseable("reservationId", job.job().reservationId().toString())) {
            logger.warn("Reservation {}: dead-lettered, PostgreSQL refuses it on its own (SQLState {}): {}",
                    job.job().reservationId(), failure.sqlState(), failure.message());
        }
        this.queue.deadLetter(this.shard, job.raw(), failure.message());
        this.metrics.poisonJob();
        this.lastProgressNanos = System.nanoTime();
    }

    private void acknowledge(List<TakenJob> taken, BatchOutcome outcome) {
        // The decider put every job in exactly one of decided, already decided and undecidable: everything but
        // the undecidable ones is committed now and leaves Redis; the undecidable ones go to the dead letters.
        Map<ReservationJob, String> undecidable = new IdentityHashMap<>();
        outcome.undecidable().forEach((parked) -> undecidable.put(parked.job(), parked.reason()));
        List<TakenJob> committed = new ArrayList<>(taken.size());
        for (TakenJob job : taken) {
            String reason = undecidable.get(job.job());
            if (reason == null) {
                committed.add(job);
                continue;
            }
            try (MDC.MDCCloseable ignored = MDC.putCloseable("reservationId", job.job().reservationId().toString())) {
                logger.warn("Reservation {}: dead-lettered: {}", job.job().reservationId(), reason);
            }
            this.queue.deadLetter(this.shard, job.raw(), reason);
            this.metrics.deadLettered();
        }
        this.queue.acknowledge(this.shard, committed);
        this.lastProgressNanos = System.nanoTime();
        try {
            outcome.soldOutEvents().forEach(this.queue::markSoldOut);
        }
        catch (RuntimeException ex) {
            // Only a shortcut for the producers (the batch is committed and acknowledged), and marked again with the
            // event's next batch. Refused while Redis is at maxmemory: the worker must not pause for it then, as
            // deciding more jobs is what frees memory.
            logger.warn("Shard {}: could not mark events {} sold out in Redis ({}); retried with their next batch",
                    this.shard, outcome.soldOutEvents(), ex.toString());
        }
        if (logger.isDebugEnabled()) {
            for (BatchOutcome.Decision decision : outcome.decided()) {
                try (MDC.MDCCloseable ignored = MDC.putCloseable("reservationId",
                        decision.job().reservationId().toString())) {
                    logger.debug("Reservation {}: {} {} seat={}", decision.job().reservationId(), decision.status(),
                            (decision.reason() != null) ? decision.reason() : "", decision.seatNumber());
                }
            }
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.running = false;
        }
    }

}
