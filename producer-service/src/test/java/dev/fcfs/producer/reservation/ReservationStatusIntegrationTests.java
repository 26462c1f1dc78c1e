package dev.fcfs.producer.reservation;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.UUID;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /reservations/{id}} against real Redis and PostgreSQL; the consumer is simulated the way it works:
 * commit the decision to PostgreSQL, then {@code HDEL} the job from the pending hash.
 */
class ReservationStatusIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void reportsAQueuedRequestAsPending() {
        long eventId = createEvent("pending", 5);
        JsonNode accepted = reserveAccepted(eventId, "u-1");

        JsonNode status = status(accepted.path("reservationId").asString(), 200);

        assertThat(status.path("reservationId").asString()).isEqualTo(accepted.path("reservationId").asString());
        assertThat(status.path("eventId").asLong()).isEqualTo(eventId);
        assertThat(status.path("userId").asString()).isEqualTo("u-1");
        assertThat(status.path("position").asLong()).isEqualTo(1);
        assertThat(status.path("status").asString()).isEqualTo("PENDING");
        assertThat(status.path("seatNumber").isNull()).isTrue();
        assertThat(status.path("reason").isNull()).isTrue();
        assertThat(Instant.parse(status.path("acceptedAt").asString())).isBefore(Instant.now().plusSeconds(5));
        assertThat(status.path("decidedAt").isNull()).isTrue();
    }

    @Test
    void reportsConfirmedWithSeatOnceTheDecisionIsCommittedAndAcknowledged() {
        ReservationJob job = acceptedJob("confirmed");
        insertDecision(job, "CONFIRMED", null, 1);
        // committed but not yet acknowledged: still PENDING, never ahead of the acknowledgement order
        assertThat(status(job.reservationId().toString(), 200).path("status").asString()).isEqualTo("PENDING");
        acknowledge(job);

        JsonNode status = status(job.reservationId().toString(), 200);

        assertThat(status.path("status").asString()).isEqualTo("CONFIRMED");
        assertThat(status.path("seatNumber").asInt()).isEqualTo(1);
        assertThat(status.path("reason").isNull()).isTrue();
        assertThat(status.path("position").asLong()).isEqualTo(job.position());
        assertThat(status.path("userId").asString()).isEqualTo(job.userId());
        assertThat(Instant.parse(status.path("acceptedAt").asString())).isEqualTo(job.acceptedAt());
        assertThat(Instant.parse(status.path("decidedAt").asString())).isAfterOrEqualTo(job.acceptedAt());
    }

    @Test
    void reportsRejectedSoldOutFromPostgres() {
        ReservationJob job = acceptedJob("sold-out");
        insertDecision(job, "REJECTED", "SOLD_OUT", null);
        acknowledge(job);

        JsonNode status = status(job.reservationId().toString(), 200);

        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("reason").asString()).isEqualTo("SOLD_OUT");
        assertThat(status.path("seatNumber").isNull()).isTrue();
    }

    @Test
    void reportsRejectedDuplicateFromPostgres() {
        ReservationJob job = acceptedJob("duplicate");
        insertDecision(job, "REJECTED", "DUPLICATE", null);
        acknowledge(job);

        assertThat(status(job.reservationId().toString(), 200).path("reason").asString()).isEqualTo("DUPLICATE");
    }

    @Test
    void answers404ForAnIdNeitherPendingNorDecided() {
        long eventId = createEvent("unknown-reservation", 5);

        assertProblem(get("/reservations/" + ReservationId.newFor(eventId)), 404);
        // a well-formed UUID that carries no event id (version 4)
        assertProblem(get("/reservations/" + UUID.randomUUID()), 404);
    }

    @Test
    void acceptsUpperCaseIds() {
        ReservationJob job = acceptedJob("upper-case");

        JsonNode status = status(job.reservationId().toString().toUpperCase(), 200);

        assertThat(status.path("reservationId").asString()).isEqualTo(job.reservationId().toString());
    }

    private ReservationJob acceptedJob(String name) {
        long eventId = createEvent(name, 5);
        JsonNode accepted = reserveAccepted(eventId, "u-" + name);
        return pendingJob(UUID.fromString(accepted.path("reservationId").asString()), eventId);
    }

    private void acknowledge(ReservationJob job) {
        // HDEL, as ack.lua does after the commit
        this.redis.opsForHash()
            .delete(this.keys.pending(this.keys.shardOf(job.eventId())), job.reservationId().toString());
    }

    private JsonNode status(String reservationId, int expectedStatus) {
        HttpResponse<String> response = get("/reservations/" + reservationId);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        assertThat(contentType(response)).startsWith(JSON);
        return body(response);
    }

}
