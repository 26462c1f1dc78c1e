package dev.fcfs.consumer.worker;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.fcfs.consumer.decision.BatchOutcome;
import dev.fcfs.shared.reservation.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * The worker's meters (Prometheus names in brackets):
 * <ul>
 * <li>{@code reservation.decisions} [{@code reservation_decisions_total}]: committed decisions by {@code outcome}
 * (confirmed, sold_out, duplicate), plus dead_lettered jobs;</li>
 * <li>{@code reservation.decision.latency} [{@code reservation_decision_latency_seconds}]: accepted by the producer
 * to committed, a histogram;</li>
 * <li>{@code reservation.batch.size}, {@code reservation.batch.duration}: jobs per transaction, and the time to
 * decide and acknowledge them;</li>
 * <li>{@code reservation.queue.depth} [{@code reservation_queue_depth}]: jobs per {@code shard} and {@code list}
 * (queue, processing, dead), sampled every lease renewal; every consumer reports every shard, so aggregate with
 * {@code max};</li>
 * <li>{@code reservation.worker.errors} [{@code reservation_worker_errors_total}]: failed attempts by
 * {@code backend} (redis, postgres, other), each retried after a pause;</li>
 * <li>{@code reservation.poison.jobs} [{@code reservation_poison_jobs_total}]: jobs dead-lettered because PostgreSQL
 * refused them with a data error (also counted in the decisions' dead_lettered);</li>
 * <li>{@code reservation.shard.progress.age} [{@code reservation_shard_progress_age_seconds}]: per {@code shard}
 * owned here with jobs waiting, the time since its last committed or dead-lettered job; 0 when it is up to date or
 * served elsewhere, so aggregate with {@code max};</li>
 * <li>{@code reservation.shards.stuck} [{@code reservation_shards_stuck}]: shards owned here whose progress age has
 * reached {@code reservation.worker.stuck-after}.</li>
 * </ul>
 * and {@code reservation.shards.owned}: the shards this consumer serves.
 */
@Component
public class WorkerMetrics {

    private final MeterRegistry registry;

    private final Counter confirmed;

    private final Counter soldOut;

    private final Counter duplicate;

    private final Counter deadLettered;

    private final Counter poison;

    private final Timer decisionLatency;

    private final DistributionSummary batchSize;

    private final Timer batchDuration;

    private final Map<String, Counter> errors = new ConcurrentHashMap<>();

    private final Map<String, AtomicLong> depths = new ConcurrentHashMap<>();

    WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.confirmed = decisions(registry, "confirmed");
        this.soldOut = decisions(registry, "sold_out");
        this.duplicate = decisions(registry, "duplicate");
        this.deadLettered = decisions(registry, "dead_lettered");
        this.poison = Counter.builder("reservation.poison.jobs")
            .description("Jobs dead-lettered because PostgreSQL refused them with a data error")
            .register(registry);
        this.decisionLatency = Timer.builder("reservation.decision.latency")
            .description("Time from acceptance by the producer to the committed decision")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
        this.batchSize = DistributionSummary.builder("reservation.batch.size")
            .description("Jobs decided in one transaction")
            .register(registry);
        this.batchDuration = Timer.builder("reservation.batch.duration")
            .description("Time to decide, commit and acknowledge one batch")
            .register(registry);
    }

    private static Counter decisions(MeterRegistry registry, String outcome) {
        return Counter.builder("reservation.decisions")
            .description("Reservation jobs decided (or dead-lettered), by outcome")
            .tag("outcome", outcome)
            .register(registry);
    }

    void batchDecided(BatchOutcome outcome, Duration took) {
        Instant now = Instant.now();
        for (BatchOutcome.Decision decision : outcome.decided()) {
            if (decision.seatNumber() != null) {
                this.confirmed.increment();
            }
            else if (decision.reason() == RejectionReason.DUPLICATE) {
                this.duplicate.increment();
            }
            else {
                this.soldOut.increment();
            }
            this.decisionLatency.record(Duration.between(decision.job().acceptedAt(), now));
        }
        this.batchSize.record(outcome.decided().size());
        this.batchDuration.record(took);
    }

    void shardsOwned(Supplier<Integer> owned) {
        // strong reference: the lambda is referenced by nothing else, and a weakly held one reads NaN once collected
        Gauge.builder("reservation.shards.owned", owned, (supplier) -> supplier.get())
            .strongReference(true)
            .description("Shards this consumer serves")
            .register(this.registry);
    }

    void deadLettered() {
        this.deadLettered.increment();
    }

    void poisonJob() {
        this.deadLettered.increment();
        this.poison.increment();
    }

    void shardProgressAge(int shard, Supplier<Duration> age) {
        Gauge.builder("reservation.shard.progress.age", age, (supplier) -> supplier.get().toMillis() / 1000.0)
            .strongReference(true)
            .description("Time since the shard's last committed or dead-lettered job while jobs wait; else 0")
            .baseUnit("seconds")
            .tags(Tags.of("shard", Integer.toString(shard)))
            .register(this.registry);
    }

    void shardsStuck(Supplier<Integer> stuck) {
        Gauge.builder("reservation.shards.stuck", stuck, (supplier) -> supplier.get())
            .strongReference(true)
            .description("Shards served here with jobs waiting and no progress for reservation.worker.stuck-after")
            .register(this.registry);
    }

    void failed(Throwable failure) {
        String backend = backendOf(failure);
        this.errors.computeIfAbsent(backend, (name) -> Counter.builder("reservation.worker.errors")
            .description("Failed attempts of the worker, by backend")
            .tag("backend", name)
            .register(this.registry)).increment();
    }

    /** Which server an exception came from, judged by the classes in its cause chain. */
    static String backendOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String name = cause.getClass().getName();
            if (name.startsWith("io.lettuce.") || name.startsWith("org.springframework.data.redis.")) {
                return "redis";
            }
            if (cause instanceof SQLException || name.startsWith("org.postgresql.") || name.startsWith("com.zaxxer.")
                    || name.startsWith("org.springframework.jdbc.")) {
                return "postgres";
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return "other";
    }

    void queueDepth(int shard, String list, long depth) {
        this.depths.computeIfAbsent(shard + "/" + list, (key) -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("reservation.queue.depth", value, AtomicLong::get)
                .description("Jobs in a shard's list: queue (waiting), processing (taken, not acknowledged), dead")
                .tags(Tags.of("shard", Integer.toString(shard), "list", list))
                .register(this.registry);
            return value;
        }).set(depth);
    }

}
