package dev.fcfs.producer.reservation;

import java.io.IOException;
import java.time.Instant;

import dev.fcfs.producer.web.StrictNumberBinding;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationId;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The benchmark's reference ceiling: the same request, read and validated as the accept route reads it, answered with
 * the same 202, but without Redis. The accept path's rate is reported as a ratio of this one's. Only in the jar
 * built with {@code -Pbench}, and off there unless {@code reservation.bench.noop-endpoint=true}.
 */
@RestController
@ConditionalOnBooleanProperty("reservation.bench.noop-endpoint")
class NoopReservationController {

    private final ReservationAnswers answers;

    NoopReservationController(ReservationAnswers answers) {
        this.answers = answers;
    }

    @PostMapping(path = "/bench/noop/events/{eventId}/reservations", consumes = MediaType.APPLICATION_JSON_VALUE)
    void reserve(ReservationRequest request, HttpServletRequest httpRequest, HttpServletResponse response)
            throws IOException, HttpMediaTypeNotAcceptableException {
        long eventId = StrictNumberBinding.pathVariable(httpRequest, "eventId");
        ReservationAnswers.requireAcceptable(httpRequest);
        this.answers.accepted(new ReservationJob(ReservationId.newFor(eventId), eventId, request.userId(), 0,
                Instant.EPOCH), response);
    }

}
