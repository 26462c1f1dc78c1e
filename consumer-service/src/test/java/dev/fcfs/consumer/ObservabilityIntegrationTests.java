package dev.fcfs.consumer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

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

/** What an operator scrapes and probes: Prometheus metrics of the decisions, and readiness with the shards. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "reservation.warmup.enabled=false", "reservation.worker.lease-ttl=2s",
                "reservation.queue.shards=2" })
@Import(TestServers.class)
class ObservabilityIntegrationTests {

    private static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    QueueKeys keys;

    @Test
    void exposesDecisionsLatencyQueueDepthAndOwnedShardsToPrometheus() {
        QueueFixture fixture = new QueueFixture(this.jdbc, this.redis, this.keys);
        long event = fixture.createEvent(1);
        fixture.enqueueAll(event, "ann", "bob", "ann");
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.decidedCount(event) == 3);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = get("/actuator/prometheus").body();
            assertThat(metrics)
                .contains("reservation_decisions_total{application=\"consumer-service\",outcome=\"confirmed\"} 1.0")
                .contains("reservation_decisions_total{application=\"consumer-service\",outcome=\"sold_out\"} 1.0")
                .contains("reservation_decisions_total{application=\"consumer-service\",outcome=\"duplicate\"} 1.0")
                .contains("reservation_decision_latency_seconds_bucket")
                .contains("reservation_batch_size_count")
                .contains("reservation_shards_owned{application=\"consumer-service\"} 2.0")
                .contains("reservation_queue_depth{application=\"consumer-service\",list=\"processing\","
                        + "shard=\"0\"} 0.0");
        });
    }

    @Test
    void isReadyWhileCoordinatingWithItsShardsInTheDetails() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> readiness = get("/actuator/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"status\":\"UP\"").contains("\"ownedShards\":[0,1]");
        });
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

}
