package dev.fcfs.testsupport;

import com.redis.testcontainers.RedisContainer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * Import next to {@link TestServers} to connect the service's Redis client through a
 * {@link TcpProxy} bean that the test can {@link TcpProxy#cut() cut} and {@link TcpProxy#restore() restore}:
 * a real outage for the service, while the shared Redis itself keeps running.
 */
@TestConfiguration(proxyBeanMethods = false)
public class ProxiedRedis {

    @Bean(destroyMethod = "close")
    TcpProxy redisProxy(ObjectProvider<RedisContainer> container) {
        RedisContainer redis = container.getIfAvailable();
        if (redis == null) {
            return TcpProxy.to(TestServers.redisHost(), TestServers.redisPort());
        }
        if (!redis.isRunning()) {
            redis.start();
        }
        return TcpProxy.to(redis.getRedisHost(), redis.getRedisPort());
    }

    @Bean
    @Primary
    DataRedisConnectionDetails proxiedRedisConnection(TcpProxy proxy) {
        return new DataRedisConnectionDetails() {

            @Override
            public Standalone getStandalone() {
                return Standalone.of("127.0.0.1", proxy.port());
            }

        };
    }

}
