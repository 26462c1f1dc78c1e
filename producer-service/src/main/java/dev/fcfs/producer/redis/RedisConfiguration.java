package dev.fcfs.producer.redis;

import dev.fcfs.shared.queue.QueueModelConfiguration;
import dev.fcfs.shared.redis.RedisRequirementsConfiguration;
import io.lettuce.core.ClientOptions;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The shared queue model and the start-up check of Redis's requirements (eviction policy, shard layout), wired for
 * the producer, and Lettuce tuned to fail fast, so that a Redis outage becomes a quick 503 rather than a pile of
 * waiting requests.
 */
@Configuration(proxyBeanMethods = false)
@Import({ QueueModelConfiguration.class, RedisRequirementsConfiguration.class })
class RedisConfiguration {

    /**
     * Lettuce's default is to buffer commands while it reconnects, so every request would wait the full command
     * timeout during an outage. Rejecting them at once turns the outage into an immediate 503.
     *
     * <p>This is Boot 4's client-options hook rather than a {@code LettuceClientConfigurationBuilderCustomizer}:
     * that one could only replace the whole {@code ClientOptions}, dropping the connect timeout and timeout options
     * Boot derives from {@code spring.data.redis.*}.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
        return (builder) -> builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

}
