package dev.fcfs.producer.warmup;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The start-up warm-up, bound from {@code reservation.warmup.*}.
 *
 * @param enabled whether the producer drives its own hot path before it reports ready
 * @param maxDuration longest the warm-up may run; it ends earlier once its rate has stopped rising
 * @param connections how many keep-alive connections the warm-up sends its requests on
 */
@Validated
@ConfigurationProperties("reservation.warmup")
public record WarmupProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("12s") @NotNull Duration maxDuration,
        @DefaultValue("32") @Min(1) @Max(512) int connections) {
}
