package dev.fcfs.producer.warmup;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.warmup.ScratchRuns;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The warm-up's settings and its registry of scratch runs. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WarmupProperties.class)
class WarmupConfiguration {

    @Bean
    ScratchRuns scratchRuns(StringRedisTemplate redis, QueueKeys keys) {
        return new ScratchRuns(redis, keys);
    }

}
