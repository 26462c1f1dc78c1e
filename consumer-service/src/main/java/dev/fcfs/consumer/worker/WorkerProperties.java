package dev.fcfs.consumer.worker;

import java.time.Duration;

import dev.fcfs.shared.queue.QueueLimits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the worker ({@code reservation.worker.*}).
 *
 * @param batchSize most jobs decided in one PostgreSQL transaction; at most {@link QueueLimits#MAX_BATCH_SIZE}, which
 * the producer counts on when it restores an event Redis has lost
 * @param blockTimeout how long one {@code BRPOPLPUSH} waits for a job when the shard is idle; whole seconds
 * (Redis rounds sub-second values up), and short so that a stopping worker notices quickly
 * @param leaseTtl how long a shard stays owned without renewal: a crashed consumer's shards are taken over
 * after at most this long; renewal runs every third of it
 * @param maxBackoff longest pause between retries while Redis or PostgreSQL is unreachable
 * @param instanceId this consumer's name in leases and logs; defaults to host name, pid and a random suffix
 * @param stuckAfter how long an owned shard may have jobs waiting without committing (or dead-lettering) any
 * before it is reported stuck: readiness DOWN with the shard in its details, and the
 * {@code reservation.shards.stuck} gauge. Longer than one batch's decision takes, at least 1s
 */
@Validated
@ConfigurationProperties("reservation.worker")
public record WorkerProperties(
        @DefaultValue("2000") @Min(1) @Max(QueueLimits.MAX_BATCH_SIZE) int batchSize,
        @DefaultValue("1s") Duration blockTimeout,
        @DefaultValue("10s") Duration leaseTtl,
        @DefaultValue("5s") Duration maxBackoff,
        @DefaultValue("") String instanceId,
        @DefaultValue("60s") Duration stuckAfter) {

    public WorkerProperties {
        if (blockTimeout.toMillis() < 1000 || blockTimeout.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("reservation.worker.block-timeout must be whole seconds, at least 1s");
        }
        if (leaseTtl.toMillis() < 1000) {
            throw new IllegalArgumentException("reservation.worker.lease-ttl must be at least 1s");
        }
        if (maxBackoff.isNegative() || maxBackoff.isZero()) {
            throw new IllegalArgumentException("reservation.worker.max-backoff must be positive");
        }
        if (stuckAfter.toMillis() < 1000) {
            throw new IllegalArgumentException("reservation.worker.stuck-after must be at least 1s");
        }
    }

}
