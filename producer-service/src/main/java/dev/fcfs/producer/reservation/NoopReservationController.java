package dev.fcfs.producer.reservation;

import java.net.URI;
import java.time.Instant;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationId;
import jakarta.validation.Valid;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The benchmark's reference ceiling: the same request, parsed and validated by the same stack, answered with the
 * same 202 shape, but without Redis. The accept path's rate is reported as a ratio of this one's. Off unless
 * {@code reservation.bench.noop-endpoint=true}; never enable it in production.
 */
@RestController
@ConditionalOnBooleanProperty("reservation.bench.noop-endpoint")
class NoopReservationController {

    @PostMapping(path = "/bench/noop/events/{eventId}/reservations", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ReservationAccepted> reserve(@PathVariable long eventId, @Valid @RequestBody ReservationRequest request) {
        ReservationJob job = new ReservationJob(ReservationId.newFor(eventId), eventId, request.userId(), 0, Instant.EPOCH);
        return ResponseEntity.accepted()
            .location(URI.create("/reservations/" + job.reservationId()))
            .body(ReservationAccepted.of(job));
    }

}
