package dev.fcfs.consumer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A shard that has jobs but cannot commit any, for a reason that is no poison job (here: its event's row is locked
 * by another session): readiness goes DOWN naming it, the gauges show it, and all of it clears once it moves again.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "reservation.warmup.enabled=false", "reservation.worker.lease-ttl=2s",
                "reservation.queue.shards=2", "reservation.worker.stuck-after=2s" })
@Import(TestServers.class)
class StuckShardIntegrationTests {

    private static final HttpClient http = HttpClient.newHttpClient();

    private static final Duration WITHIN = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    QueueKeys keys;

    @Autowired
    DataSource dataSource;

    @Test
    void shardWithJobsAndNoProgressIsReportedStuckUntilItMovesAgain() throws Exception {
        QueueFixture fixture = new QueueFixture(this.jdbc, this.redis, this.keys);
        long event = fixture.createEvent(5);
        int shard = this.keys.shardOf(event);
        await().atMost(WITHIN).until(() -> get("/actuator/health/readiness").statusCode() == 200);

        // a session of its own, outside the pool: the pool's idle-in-transaction timeout must not end the lock
        HikariDataSource pool = (HikariDataSource) this.dataSource;
        try (Connection locker = DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(),
                pool.getPassword())) {
            locker.setAutoCommit(false);
            try (PreparedStatement lock = locker.prepareStatement("SELECT id FROM events WHERE id = ? FOR UPDATE")) {
                lock.setLong(1, event);
                lock.executeQuery().close();
            }
            fixture.enqueueAll(event, "ann", "bob");

            await().atMost(WITHIN).untilAsserted(() -> {
                HttpResponse<String> readiness = get("/actuator/health/readiness");
                assertThat(readiness.statusCode()).isEqualTo(503);
                assertThat(readiness.body()).contains("\"status\":\"DOWN\"")
                    .contains("\"stuckShards\":{\"" + shard + "\":");
                assertThat(get("/actuator/prometheus").body())
                    .contains("reservation_shards_stuck{application=\"consumer-service\"} 1.0")
                    .containsPattern("reservation_shard_progress_age_seconds\\{application=\"consumer-service\","
                            + "shard=\"" + shard + "\"} [1-9][0-9]*\\.[0-9]+");
            });
            assertThat(fixture.decidedCount(event)).isZero();
            locker.rollback();
        }

        await().atMost(WITHIN).until(() -> fixture.decidedCount(event) == 2);
        await().atMost(WITHIN).untilAsserted(() -> {
            HttpResponse<String> readiness = get("/actuator/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"stuckShards\":{}");
            assertThat(get("/actuator/prometheus").body())
                .contains("reservation_shards_stuck{application=\"consumer-service\"} 0.0")
                .contains("reservation_shard_progress_age_seconds{application=\"consumer-service\",shard=\"" + shard
                        + "\"} 0.0");
        });
        assertThat(this.redis.opsForValue().get(this.keys.progress(shard))).as("stamped by ack.lua").isNotNull();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

}
