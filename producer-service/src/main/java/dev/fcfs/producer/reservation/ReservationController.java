package dev.fcfs.producer.reservation;

import java.net.URI;
import java.util.UUID;

import dev.fcfs.producer.system.ReservationOutcomeMetrics;
import dev.fcfs.shared.job.ReservationJob;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** Reservation requests ({@code POST /events/{eventId}/reservations}) and their status. */
@RestController
class ReservationController {

    private final ReservationService reservations;

    private final WarmupTraffic warmup;

    ReservationController(ReservationService reservations, WarmupTraffic warmup) {
        this.reservations = reservations;
        this.warmup = warmup;
    }

    @PostMapping(path = "/events/{eventId}/reservations", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ReservationAccepted> reserve(@PathVariable long eventId,
            @RequestHeader(name = IdempotencyKeys.HEADER, required = false) @Nullable String idempotencyKey,
            @Valid @RequestBody ReservationRequest request, HttpServletRequest httpRequest) {
        IdempotencyKeys.check(idempotencyKey);
        ReservationQueue scratch = this.warmup.queueFor(eventId, httpRequest);
        ReservationService.Reserved reserved = (scratch == null)
                ? this.reservations.reserve(eventId, request.userId(), idempotencyKey)
                : this.reservations.reserve(scratch, eventId, request.userId(), idempotencyKey);
        if (reserved.replayed()) {
            httpRequest.setAttribute(ReservationOutcomeMetrics.REPLAYED, Boolean.TRUE);
        }
        ReservationJob job = reserved.job();
        return ResponseEntity.accepted()
            .location(URI.create("/reservations/" + job.reservationId()))
            .body(ReservationAccepted.of(job));
    }

    @GetMapping("/reservations/{reservationId}")
    ReservationView get(@PathVariable String reservationId, HttpServletRequest httpRequest) {
        UUID id = ReservationIds.parse(reservationId);
        ReservationQueue scratch = this.warmup.queueFor(id, httpRequest);
        return (scratch == null) ? this.reservations.find(id) : this.reservations.find(scratch, id);
    }

}
