package dev.fcfs.producer.web;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the HTTP API, bound from {@code reservation.api.*}.
 *
 * @param idempotencyTtl how long the first answer to an {@code Idempotency-Key} is kept and replayed
 * @param maxBodySize largest request body accepted; larger ones are refused with 413
 * @param retryAfter value of the {@code Retry-After} header sent with a 503 or 429 (rounded up to whole seconds)
 * @param maxQueueDepth most jobs one shard's queue may hold; beyond it new requests get 429 (backpressure) instead of
 * filling Redis's memory
 * @param requestHeaderTimeout longest a request's line and headers may take to arrive, counted from their first byte;
 * the connection is closed after it
 * @param requestBodyTimeout longest a request's body may take to arrive once its headers have; answered 408 after it
 */
@Validated
@ConfigurationProperties("reservation.api")
public record ApiProperties(
        @DefaultValue("24h") @NotNull @DurationMin(seconds = 1) Duration idempotencyTtl,
        @DefaultValue("16KB") @NotNull DataSize maxBodySize,
        @DefaultValue("1s") @NotNull @DurationMin(seconds = 1) Duration retryAfter,
        @DefaultValue("100000") @Min(1) long maxQueueDepth,
        @DefaultValue("10s") @NotNull @DurationMin(seconds = 1) Duration requestHeaderTimeout,
        @DefaultValue("10s") @NotNull @DurationMin(seconds = 1) Duration requestBodyTimeout) {

    public ApiProperties {
        // Bean Validation has no constraint for DataSize; a zero or negative cap would refuse every body.
        if (maxBodySize != null && maxBodySize.toBytes() < 1) {
            throw new IllegalArgumentException("reservation.api.max-body-size must be positive, was " + maxBodySize);
        }
    }

    /** The idempotency TTL as the whole seconds {@code SET ... EX} expects. */
    public long idempotencyTtlSeconds() {
        return this.idempotencyTtl.toSeconds();
    }

    /** The {@code Retry-After} value: whole seconds, at least 1. */
    public long retryAfterSeconds() {
        long seconds = this.retryAfter.toSeconds();
        return (this.retryAfter.toNanosPart() > 0) ? seconds + 1 : Math.max(1, seconds);
    }

}
