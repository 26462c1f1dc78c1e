package dev.fcfs.consumer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.fcfs.consumer.worker.ShardCoordinator;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.redis.RedisErrors;
import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The worker against a Redis of the test's own that is full ({@code maxmemory} with {@code noeviction}) when the
 * consumer starts, as after a burst that arrived while every consumer was down: it takes the shards and decides
 * everything, which frees the memory the producers need.
 */
@SpringBootTest(properties = { "reservation.warmup.enabled=false",
        "reservation.worker.lease-ttl=2s", "reservation.queue.shards=2",
        "reservation.worker.batch-size=250" })
@Import({ TestServers.class, RedisMaxMemoryIntegrationTests.FullRedis.class })
class RedisMaxMemoryIntegrationTests {

    @Autowired
    PrivateRedis server;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    QueueKeys keys;

    @Autowired
    ShardCoordinator coordinator;

    @Test
    void takesTheShardsOfAFullRedisAndDecidesEverything() {
        this.coordinator.stop();
        QueueFixture fixture = new QueueFixture(this.jdbc, this.redis, this.keys);
        long first = fixture.createEvent(500);
        long second = fixture.createEvent(500);
        assertThat(this.keys.shardOf(first)).isNotEqualTo(this.keys.shardOf(second));
        int accepted = fillUntilFull(fixture, first, second);
        // full means used memory over maxmemory when a command arrives; pinned well below what is in use so that
        // the connections' own buffers cannot tip it back under
        this.server.commands().configSet("maxmemory", Long.toString(this.server.usedMemory() - 256 * 1024));
        assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> fixture.enqueue(first, "refused"));

        this.coordinator.start();

        await().atMost(Duration.ofSeconds(90))
            .until(() -> fixture.decidedCount(first) + fixture.decidedCount(second) == accepted);
        for (long event : List.of(first, second)) {
            int shard = this.keys.shardOf(event);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(this.redis.opsForList().size(this.keys.queue(shard))).isZero();
                assertThat(this.redis.opsForList().size(this.keys.processing(shard))).isZero();
                assertThat(this.redis.opsForHash().size(this.keys.pending(shard))).isZero();
            });
            // first come, first served: the first 500 positions got the 500 seats
            Map<String, Object> seats = this.jdbc.queryForMap("SELECT count(*) AS confirmed, max(position) AS last "
                    + "FROM reservations WHERE event_id = ? AND status = 'CONFIRMED'", event);
            assertThat(seats).containsEntry("confirmed", 500L).containsEntry("last", 500L);
        }
        assertThat(this.coordinator.isCoordinating()).isTrue();
        assertThat(this.redis.opsForList().size(this.keys.deadLetter(0)) + this.redis.opsForList()
            .size(this.keys.deadLetter(1))).isZero();
        // and Redis takes new events and jobs again
        fixture.enqueue(fixture.createEvent(10), "after-the-burst");
    }

    private static int fillUntilFull(QueueFixture fixture, long first, long second) {
        int accepted = 0;
        try {
            while (true) {
                fixture.enqueue((accepted % 2 == 0) ? first : second, "user-" + accepted);
                accepted++;
            }
        }
        catch (DataAccessException ex) {
            assertThat(RedisErrors.isOutOfMemory(ex)).as("refused because full: %s", ex).isTrue();
        }
        assertThat(accepted).isGreaterThan(2000);
        return accepted;
    }

    /** The consumer's Redis: a server of this test's own with a small maxmemory and noeviction. */
    @TestConfiguration(proxyBeanMethods = false)
    static class FullRedis {

        @Bean(destroyMethod = "close")
        PrivateRedis privateRedis() {
            return PrivateRedis.start("--maxmemory", "4mb", "--maxmemory-policy", "noeviction");
        }

        @Bean
        @Primary
        DataRedisConnectionDetails privateRedisConnection(PrivateRedis redis) {
            return redis.connectionDetails();
        }

    }

}
