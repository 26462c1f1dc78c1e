package dev.fcfs.producer.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service with Redis unreachable (a port nothing listens on) but PostgreSQL up: the accept path answers 503
 * with {@code Retry-After} at once, everything PostgreSQL can answer still works.
 */
@Import(RedisUnavailableIntegrationTests.UnreachableRedis.class)
class RedisUnavailableIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void refusesReservationsWith503AndRetryAfterWhileRedisIsDown() {
        long eventId = createEvent("no-redis", 10);

        long started = System.nanoTime();
        HttpResponse<String> response = reserve(eventId, "u-1");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertProblem(response, 503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void createsAndShowsEventsWhileRedisIsDown() {
        HttpResponse<String> created = postJson("/events", "{\"name\":\"offline\",\"capacity\":3}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long eventId = body(created).path("id").asLong();

        HttpResponse<String> shown = get("/events/" + eventId);

        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(body(shown).path("remaining").asInt()).isEqualTo(3);
    }

    @Test
    void answersDecidedReservationsFromPostgresWhileRedisIsDown() {
        long eventId = createEvent("decided-offline", 10);
        ReservationJob job = new ReservationJob(ReservationId.newFor(eventId), eventId, "u-1", 1,
                Instant.parse("2025-01-01T00:00:00Z"));
        insertDecision(job, "CONFIRMED", null, 1);

        HttpResponse<String> response = get("/reservations/" + job.reservationId());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = body(response);
        assertThat(body.path("status").asString()).isEqualTo("CONFIRMED");
        assertThat(body.path("seatNumber").asInt()).isEqualTo(1);
    }

    @Test
    void answers503ForAReservationPostgresDoesNotHaveWhileRedisIsDown() {
        long eventId = createEvent("unknown-offline", 10);

        HttpResponse<String> response = get("/reservations/" + ReservationId.newFor(eventId));

        assertProblem(response, 503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        // an id that cannot be pending anywhere needs no Redis to be answered
        assertProblem(get("/reservations/" + UUID.randomUUID()), 404);
    }

    /** Points the service's Redis client at a local port nothing listens on. */
    @TestConfiguration(proxyBeanMethods = false)
    static class UnreachableRedis {

        @Bean
        @Primary
        DataRedisConnectionDetails unreachableRedis() {
            int port = closedPort();
            return new DataRedisConnectionDetails() {

                @Override
                public Standalone getStandalone() {
                    return Standalone.of("127.0.0.1", port);
                }

            };
        }

        private static int closedPort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
            catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }

    }

}
