package dev.fcfs.producer.redis;

import java.net.http.HttpResponse;
import java.util.Map;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.queue.QueueLimits;
import dev.fcfs.shared.redis.RedisErrors;
import dev.fcfs.testsupport.PrivateRedis;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The producer against a Redis of the test's own that reaches its {@code maxmemory} ({@code noeviction}): every
 * request that would queue a job, or register an event on its way, is answered 503 {@code queue-storage-full} with
 * {@code Retry-After}, never 500, and leaves nothing behind; once memory is free again, the next request gets the next
 * position.
 */
@Import(RedisMaxMemoryIntegrationTests.SmallRedis.class)
class RedisMaxMemoryIntegrationTests extends ProducerIntegrationSupport {

    private static final String MAXMEMORY = "2mb";

    @Autowired
    PrivateRedis server;

    @Test
    void answers503QueueStorageFullAndChangesNothingWhileRedisIsFull() {
        long eventId = createEvent("burst", 1000);
        assertThat(reserveAccepted(eventId, "early").path("position").asLong()).isEqualTo(1);
        fillUntilFull();
        // created in PostgreSQL; its registration in Redis is refused and left to its first reservation request
        long createdWhileFull = createEvent("created-while-full", 10);
        Map<String, Object> before = stateSnapshot();

        for (String[] headers : new String[][] { {}, { "Idempotency-Key", "retry-me-1" } }) {
            assertStorageFull(reserve(eventId, "refused", headers));
        }
        assertStorageFull(reserve(createdWhileFull, "refused"));

        assertThat(stateSnapshot()).isEqualTo(before);
        assertThat(get("/events/" + eventId).statusCode()).isEqualTo(200);

        emptyFiller();
        assertThat(reserveAccepted(eventId, "after", "Idempotency-Key", "retry-me-1").path("position").asLong())
            .as("no position was used up by the refused requests").isEqualTo(2);
        // registered by its first request like an event Redis lost: Redis may have run the refused registration
        // after all, so positions resume a whole batch above anything that may be in use (EventRegistration.restore)
        assertThat(reserveAccepted(createdWhileFull, "first").path("position").asLong())
            .isGreaterThan(QueueLimits.MAX_BATCH_SIZE);
    }

    @Test
    void countsTheRefusalsAsUnavailable() {
        long eventId = createEvent("metrics", 10);
        fillUntilFull();

        assertStorageFull(reserve(eventId, "refused"));

        emptyFiller();
        assertThat(get("/actuator/prometheus").body())
            .containsPattern("reservation_requests_total\\{[^}]*outcome=\"unavailable\"[^}]*} [1-9]");
    }

    private void assertStorageFull(HttpResponse<String> response) {
        JsonNode problem = assertProblem(response, 503);
        assertThat(problem.path("type").asString()).isEqualTo("/problems/queue-storage-full");
        assertThat(problem.path("title").asString()).isEqualTo("Queue storage full");
        assertThat(problem.path("detail").asString()).contains("not queued").doesNotContain("OOM");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
    }

    /**
     * Fills Redis from the test's own connection, outside the run's key prefix, until Redis refuses; then pins
     * maxmemory well below what is in use, so that the connections' own buffers cannot tip it back under.
     */
    private void fillUntilFull() {
        RedisCommands<String, String> commands = this.server.commands();
        String chunk = "x".repeat(32 * 1024);
        for (int i = 0;; i++) {
            try {
                commands.set("filler:" + i, chunk);
            }
            catch (RuntimeException ex) {
                assertThat(RedisErrors.isOutOfMemory(ex)).as("refused because full: %s", ex).isTrue();
                break;
            }
        }
        commands.configSet("maxmemory", Long.toString(this.server.usedMemory() - 256 * 1024));
        assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> commands.set("filler:probe", "x"));
    }

    private void emptyFiller() {
        RedisCommands<String, String> commands = this.server.commands();
        commands.configSet("maxmemory", MAXMEMORY);
        commands.keys("filler:*").forEach(commands::unlink);
        commands.set("filler:probe", "x");
    }

    /** The producer's Redis: a server of this test's own with a small maxmemory and noeviction. */
    @TestConfiguration(proxyBeanMethods = false)
    static class SmallRedis {

        @Bean(destroyMethod = "close")
        PrivateRedis privateRedis() {
            return PrivateRedis.start("--maxmemory", MAXMEMORY, "--maxmemory-policy", "noeviction");
        }

        @Bean
        @Primary
        DataRedisConnectionDetails privateRedisConnection(PrivateRedis redis) {
            return redis.connectionDetails();
        }

    }

}
