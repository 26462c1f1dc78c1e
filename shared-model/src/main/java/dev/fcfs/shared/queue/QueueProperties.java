package dev.fcfs.shared.queue;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Queue settings that producer and consumer must agree on: both services bind them from the same
 * {@code reservation.queue.*} properties.
 *
 * @param keyPrefix first segment of every Redis key, so that several deployments (or test runs) can share
 * one Redis without seeing each other's keys
 * @param shards number of queues the events are spread over; an event always lands on shard
 * {@code eventId mod shards}, so changing this value on a live system re-routes events: drain the queues first
 */
@Validated
@ConfigurationProperties("reservation.queue")
public record QueueProperties(
        @DefaultValue("rsv") @Pattern(regexp = "[A-Za-z0-9_.-]{1,64}") String keyPrefix,
        @DefaultValue("16") @Min(1) @Max(1024) int shards) {
}
