package dev.fcfs.producer.reservation;

import java.time.Duration;

import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.producer.system.BatchingScriptRunner;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.QueueKeys;

import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The accept path's own Redis connection, on which concurrent requests of one shard share a script run. */
@Configuration(proxyBeanMethods = false)
class ReservationQueueConfiguration {

    @Bean
    BatchingScriptRunner<EnqueueBatch.Request, EnqueueBatch.Outcome> enqueueRunner(
            LettuceConnectionFactory connectionFactory, DataRedisProperties redisProperties, QueueKeys keys,
            ApiProperties apiProperties) {
        return runnerOn(keys, connectionFactory, redisProperties, apiProperties);
    }

    /** {@code enqueue.lua} on these keys, on a connection of its own: the real queue's, or a warm-up run's. */
    static BatchingScriptRunner<EnqueueBatch.Request, EnqueueBatch.Outcome> runnerOn(QueueKeys keys,
            LettuceConnectionFactory connectionFactory, DataRedisProperties redisProperties,
            ApiProperties apiProperties) {
        Duration timeout = (redisProperties.getTimeout() != null) ? redisProperties.getTimeout()
                : Duration.ofSeconds(2);
        return new BatchingScriptRunner<>(connectionFactory,
                new EnqueueScript(keys, apiProperties.idempotencyTtlSeconds(), apiProperties.maxQueueDepth()),
                timeout);
    }

}
