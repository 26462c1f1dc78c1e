package dev.fcfs.consumer.worker;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The start-up warm-up, bound from {@code reservation.warmup.*}.
 *
 * @param enabled whether the worker decides scratch batches before it takes any shard and reports ready
 * @param maxDuration longest the warm-up may run; it ends earlier once batches stop getting faster
 */
@Validated
@ConfigurationProperties("reservation.warmup")
public record WarmupProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("10s") @NotNull Duration maxDuration) {
}
