package dev.fcfs.consumer;

import java.time.Duration;

import com.redis.testcontainers.RedisContainer;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.ProxiedRedis;
import dev.fcfs.testsupport.TcpProxy;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker reaches Redis through a proxy the test cuts: a real outage for the worker, while the test keeps
 * queueing through its own direct connection, as producers on the other side of the outage would.
 */
@SpringBootTest(properties = { "reservation.warmup.enabled=false",
        "reservation.worker.lease-ttl=2s", "reservation.queue.shards=2",
        "spring.data.redis.timeout=2s" })
@Import({ TestServers.class, ProxiedRedis.class, RedisOutageIntegrationTests.Direct.class })
class RedisOutageIntegrationTests {

    @Autowired
    TcpProxy proxy;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    QueueKeys keys;

    @Autowired
    DirectRedis direct;

    @Test
    void workerReconnectsAfterARedisOutageAndDecidesEverythingQueuedMeanwhile() {
        QueueFixture fixture = new QueueFixture(this.jdbc, this.direct.template(), this.keys);
        long event = fixture.createEvent(3);
        fixture.enqueueAll(event, "ann", "bob");
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.decidedCount(event) == 2);

        this.proxy.cut();
        fixture.enqueueAll(event, "cid", "dan", "ann");
        // nothing can be taken while the worker cannot reach Redis
        await().during(Duration.ofSeconds(3))
            .atMost(Duration.ofSeconds(5))
            .until(() -> fixture.decidedCount(event) == 2);
        this.proxy.restore();

        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.decidedCount(event) == 5);
        assertThat(fixture.decisions(event)).extracting((row) -> row.get("user_id") + ":" + row.get("status") + ":"
                + row.get("seat_number") + ":" + row.get("reason"))
            .containsExactly("ann:CONFIRMED:1:null", "bob:CONFIRMED:2:null", "cid:CONFIRMED:3:null",
                    "dan:REJECTED:null:SOLD_OUT", "ann:REJECTED:null:DUPLICATE");
    }

    /** A direct connection to the real Redis, which the proxy's cut does not affect. */
    record DirectRedis(LettuceConnectionFactory connections, StringRedisTemplate template) {

        static DirectRedis to(String host, int port) {
            LettuceConnectionFactory connections = new LettuceConnectionFactory(
                    new RedisStandaloneConfiguration(host, port));
            connections.afterPropertiesSet();
            connections.start();
            return new DirectRedis(connections, new StringRedisTemplate(connections));
        }

        void close() {
            this.connections.destroy();
        }

    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Direct {

        @Bean(destroyMethod = "close")
        DirectRedis directRedis(ObjectProvider<RedisContainer> container) {
            RedisContainer redis = container.getIfAvailable();
            return (redis != null) ? DirectRedis.to(redis.getRedisHost(), redis.getRedisPort())
                    : DirectRedis.to(TestServers.redisHost(), TestServers.redisPort());
        }

    }

}
