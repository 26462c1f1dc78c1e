package dev.fcfs.producer.dashboard;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the dashboard, bound from {@code reservation.dashboard.*}.
 *
 * @param enabled whether the sampler runs (the page then shows no data)
 * @param sampleInterval how often PostgreSQL and Redis are sampled
 * @param maxEvents how many of the newest events are shown and counted in the throughput
 * @param history how many samples the throughput chart keeps (300 at 1 s = 5 minutes)
 * @param stuckAfter a shard is shown stuck when its oldest waiting job was accepted at least this long ago and no
 * job of it was acknowledged or dead-lettered for as long (as {@code reservation.worker.stuck-after} in the consumer)
 */
@Validated
@ConfigurationProperties("reservation.dashboard")
public record DashboardProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("1s") @NotNull @DurationMin(millis = 100) Duration sampleInterval,
        @DefaultValue("50") @Min(1) @Max(1000) int maxEvents,
        @DefaultValue("300") @Min(2) @Max(86400) int history,
        @DefaultValue("60s") @NotNull @DurationMin(seconds = 1) Duration stuckAfter) {
}
