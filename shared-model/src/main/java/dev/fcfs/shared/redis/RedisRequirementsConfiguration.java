package dev.fcfs.shared.redis;

import dev.fcfs.shared.queue.QueueKeys;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/** The start-up check of what both services require of their Redis ({@link RedisRequirements}), to {@code @Import}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RedisRequirementsProperties.class)
public class RedisRequirementsConfiguration {

    @Bean
    RedisRequirements redisRequirements(RedisConnectionFactory connections, QueueKeys keys,
            RedisRequirementsProperties properties) {
        return new RedisRequirements(connections, keys, properties.evictionPolicyCheck());
    }

}
