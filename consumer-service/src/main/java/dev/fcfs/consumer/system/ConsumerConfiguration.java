package dev.fcfs.consumer.system;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import dev.fcfs.consumer.worker.ConsumerIdentity;
import dev.fcfs.consumer.worker.WarmupProperties;
import dev.fcfs.consumer.worker.WorkerProperties;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.QueueModelConfiguration;
import dev.fcfs.shared.redis.RedisRequirementsConfiguration;
import dev.fcfs.shared.warmup.ScratchRuns;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The shared queue model, the start-up check of what the queues require of Redis, the warm-up's scratch runs, and
 * this consumer's identity.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ WorkerProperties.class, WarmupProperties.class })
@Import({ QueueModelConfiguration.class, RedisRequirementsConfiguration.class })
class ConsumerConfiguration {

    @Bean
    ScratchRuns scratchRuns(StringRedisTemplate redis, QueueKeys keys) {
        return new ScratchRuns(redis, keys);
    }

    @Bean
    ConsumerIdentity consumerIdentity(WorkerProperties properties) {
        if (!properties.instanceId().isBlank()) {
            return new ConsumerIdentity(properties.instanceId());
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException ex) {
            host = "unknown-host";
        }
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return new ConsumerIdentity(host + "-" + ProcessHandle.current().pid() + "-" + suffix);
    }

}
