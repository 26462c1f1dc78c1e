package dev.fcfs.shared.redis;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * What both services require of their Redis, checked at start-up, for both to {@code @Import}: the bound
 * {@link RedisRequirementsProperties} and the {@link EvictionPolicyGuard}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RedisRequirementsProperties.class)
public class RedisRequirementsConfiguration {

    @Bean
    EvictionPolicyGuard evictionPolicyGuard(RedisConnectionFactory connections, RedisRequirementsProperties properties) {
        String name = (connections instanceof LettuceConnectionFactory lettuce)
                ? lettuce.getHostName() + ":" + lettuce.getPort() : "Redis";
        return new EvictionPolicyGuard(connections, properties.evictionPolicyCheck(), name);
    }

}
