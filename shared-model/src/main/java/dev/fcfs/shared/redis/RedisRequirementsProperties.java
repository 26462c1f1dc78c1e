package dev.fcfs.shared.redis;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What both services require of the Redis that holds the queues ({@code reservation.redis.*}).
 *
 * @param evictionPolicyCheck what to do unless every Redis master runs with {@code maxmemory-policy noeviction}:
 * {@code fail} (default), {@code warn} or {@code off}; any other policy deletes keys at {@code maxmemory}, queued
 * jobs among them
 */
@Validated
@ConfigurationProperties("reservation.redis")
public record RedisRequirementsProperties(@DefaultValue("fail") @NotNull EvictionPolicyCheck evictionPolicyCheck) {

    /** What a service does when Redis may evict keys, or its policy cannot be read. */
    public enum EvictionPolicyCheck {

        /**
         * Refuse: start-up fails with the policy found and the fix; if Redis could only be read later, nothing is
         * queued or taken from the queues until the policy is {@code noeviction}.
         */
        FAIL,

        /** Log a warning and run anyway. */
        WARN,

        /** Do not read the policy at all. */
        OFF

    }

}
