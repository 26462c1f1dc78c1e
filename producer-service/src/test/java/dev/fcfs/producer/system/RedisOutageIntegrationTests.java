package dev.fcfs.producer.system;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.redis.testcontainers.RedisContainer;
import dev.fcfs.producer.ProducerIntegrationSupport;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis going away while the service runs (the client is connected through a proxy the test cuts): requests fail
 * fast with 503 instead of waiting out the command timeout, and the service recovers by itself when Redis is back.
 */
@Import(RedisOutageIntegrationTests.ProxiedRedis.class)
class RedisOutageIntegrationTests extends ProducerIntegrationSupport {

    @Autowired
    private TcpProxy proxy;

    @Test
    void failsFastDuringAnOutageAndRecoversAfterIt() throws IOException {
        long eventId = createEvent("outage", 10);
        assertThat(reserveAccepted(eventId, "before").path("position").asLong()).isEqualTo(1);

        this.proxy.cut();
        try {
            // the first request may be the one during which the client notices the dropped connection
            await().atMost(Duration.ofSeconds(10)).until(() -> reserve(eventId, "during").statusCode() == 503);

            long started = System.nanoTime();
            HttpResponse<String> refused = reserve(eventId, "during");
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertProblem(refused, 503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            // commands are rejected while disconnected, not queued until spring.data.redis.timeout (2 s)
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            assertThat(get("/events/" + eventId).statusCode()).isEqualTo(200);
        }
        finally {
            this.proxy.restore();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> reserve(eventId, "after").statusCode() == 202);
        // nothing was queued during the outage: the position after it follows the one before it
        assertThat(eventField(eventId, "seq")).isEqualTo("2");
    }

    /** The service's Redis client, connected through a {@link TcpProxy} to this run's Redis. */
    @TestConfiguration(proxyBeanMethods = false)
    static class ProxiedRedis {

        @Bean(destroyMethod = "close")
        TcpProxy redisProxy(Environment environment, ObjectProvider<RedisContainer> container) throws IOException {
            RedisContainer redis = container.getIfAvailable();
            if (redis != null) {
                if (!redis.isRunning()) {
                    redis.start();
                }
                return new TcpProxy(redis.getRedisHost(), redis.getRedisPort());
            }
            return new TcpProxy(environment.getProperty("spring.data.redis.host", "127.0.0.1"),
                    environment.getProperty("spring.data.redis.port", Integer.class, 6379));
        }

        @Bean
        @Primary
        DataRedisConnectionDetails proxiedRedis(TcpProxy proxy) {
            return new DataRedisConnectionDetails() {

                @Override
                public Standalone getStandalone() {
                    return Standalone.of("127.0.0.1", proxy.port());
                }

            };
        }

    }

}
