package dev.fcfs.producer.redis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fcfs.producer.ProducerApplication;
import dev.fcfs.shared.redis.RedisRequirementsException;
import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.TcpProxy;
import dev.fcfs.testsupport.TestDatabase;
import dev.fcfs.testsupport.TestServers;
import dev.fcfs.testsupport.WholeApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The whole producer application started against a Redis of the test's own whose {@code maxmemory-policy} is
 * {@code allkeys-lru}: it refuses to start under {@code reservation.redis.eviction-policy-check=fail}, runs with a
 * loud warning under {@code warn}, and, if Redis was unreachable at start-up, refuses reservations with 503 from the
 * moment it finds the policy until the policy is fixed.
 */
@ExtendWith(OutputCaptureExtension.class)
class EvictionPolicyStartupIntegrationTests {

    private static final String ADMIN_TOKEN = "startup-test-admin-token";

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static PrivateRedis redis;

    private static TestDatabase database;

    @BeforeAll
    static void startServers() {
        redis = PrivateRedis.start("--maxmemory-policy", "allkeys-lru");
        database = TestDatabase.create();
    }

    @AfterAll
    static void stopServers() {
        database.close();
        redis.close();
    }

    @Test
    void refusesToStartOnARedisThatMayEvictQueuedJobs(CapturedOutput output) {
        assertThatThrownBy(() -> start("fail", redis.port(), TestServers.newKeyPrefix()).close())
            .hasRootCauseInstanceOf(RedisRequirementsException.class)
            .rootCause()
            .hasMessageContaining("maxmemory-policy allkeys-lru")
            .hasMessageContaining("CONFIG SET maxmemory-policy noeviction");
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("maxmemory-policy allkeys-lru")
            .contains("'maxmemory-policy noeviction' in redis.conf");
    }

    @Test
    void startsWithALoudWarningUnderWarn(CapturedOutput output) {
        try (ConfigurableApplicationContext producer = start("warn", redis.port(), TestServers.newKeyPrefix())) {
            assertThat(output).contains("WARN").contains("maxmemory-policy allkeys-lru")
                .contains("Running anyway (reservation.redis.eviction-policy-check=warn)");
            long eventId = createEvent(producer);
            assertThat(reserve(producer, eventId).statusCode()).isEqualTo(202);
        }
    }

    @Test
    void refusesReservationsFromTheMomentItFindsThePolicyUntilItIsFixed(CapturedOutput output) {
        try (TcpProxy proxy = TcpProxy.to(redis.host(), redis.port())) {
            proxy.cut();
            String prefix = TestServers.newKeyPrefix();
            try (ConfigurableApplicationContext producer = start("fail", proxy.port(), prefix)) {
                assertThat(output).contains("Could not read the Redis maxmemory-policy at start-up");
                proxy.restore();
                long eventId = createEvent(producer);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(output).contains("ERROR")
                    .contains("Nothing is queued or taken from the queues until it is fixed"));

                HttpResponse<String> refused = reserve(producer, eventId);

                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                        (type) -> assertThat(type).startsWith("application/problem+json"));
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                assertThat(redis.commands().keys(prefix + ":*:queue")).isEmpty();

                redis.commands().configSet("maxmemory-policy", "noeviction");
                await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(reserve(producer, eventId).statusCode()).isEqualTo(202));
            }
            finally {
                redis.commands().configSet("maxmemory-policy", "allkeys-lru");
            }
        }
    }

    private static ConfigurableApplicationContext start(String check, int redisPort, String keyPrefix) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--reservation.admin.token=" + ADMIN_TOKEN,
                "--spring.datasource.hikari.maximum-pool-size=2", "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redisPort, "--reservation.queue.key-prefix=" + keyPrefix,
                "--reservation.queue.shards=2", "--reservation.dashboard.enabled=false",
                "--reservation.warmup.enabled=false", "--reservation.redis.eviction-policy-check=" + check));
        database.springProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
        return WholeApplication.run(ProducerApplication.class, args.toArray(String[]::new));
    }

    private static long createEvent(ConfigurableApplicationContext producer) {
        HttpResponse<String> created = send(producer, "/events", "{\"name\":\"startup\",\"capacity\":5}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JsonMapper.builder().build().readTree(created.body()).path("id").asLong();
    }

    private static HttpResponse<String> reserve(ConfigurableApplicationContext producer, long eventId) {
        return send(producer, "/events/" + eventId + "/reservations", "{\"userId\":\"u-1\"}");
    }

    private static HttpResponse<String> send(ConfigurableApplicationContext producer, String path, String json) {
        String port = producer.getEnvironment().getProperty("local.server.port");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .POST(BodyPublishers.ofString(json))
            .build();
        try {
            return http.send(request, BodyHandlers.ofString());
        }
        catch (Exception ex) {
            throw new IllegalStateException("HTTP request failed: " + ex, ex);
        }
    }

}
