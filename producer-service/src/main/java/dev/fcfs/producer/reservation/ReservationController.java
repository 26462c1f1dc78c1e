package dev.fcfs.producer.reservation;

import java.io.IOException;
import java.util.UUID;

import dev.fcfs.producer.metrics.ReservationOutcomeMetrics;
import dev.fcfs.producer.security.CallerIdentity;
import dev.fcfs.producer.web.StrictNumberBinding;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reservation requests ({@code POST /events/{eventId}/reservations}) and their status.
 *
 * <p>The accept route is the one that runs at the rate of a ticket drop, so it reads its request and writes its
 * answer itself rather than through Spring MVC's per-argument binders and return-value negotiation: the body through
 * {@link ReservationRequestResolver}, the event id with {@link StrictNumberBinding#pathVariable}, the answer with
 * {@link ReservationAnswers}. Every refusal is raised as the exception Spring MVC would raise, so it is answered with
 * the same problem; those that come in floods (sold out, queue full, not open yet, closed) are written here rather than
 * through the exception resolvers.
 *
 * <p>In jwt mode ({@link CallerIdentity}) the user is the token's (the resolver sees to the body), and a reservation
 * is shown to its own user only: to anyone else it is answered as an unknown id, so that ids cannot be probed.
 */
@RestController
class ReservationController {

    private final ReservationService reservations;

    private final WarmupTraffic warmup;

    private final ReservationAnswers answers;

    private final CallerIdentity identity;

    ReservationController(ReservationService reservations, WarmupTraffic warmup, ReservationAnswers answers,
            CallerIdentity identity) {
        this.reservations = reservations;
        this.warmup = warmup;
        this.answers = answers;
        this.identity = identity;
    }

    @PostMapping(path = "/events/{eventId}/reservations", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Parameter(name = "eventId", in = ParameterIn.PATH, required = true,
            schema = @Schema(type = "integer", format = "int64"))
    @Parameter(name = IdempotencyKeys.HEADER, in = ParameterIn.HEADER, schema = @Schema(type = "string"))
    @ApiResponse(responseCode = "202", content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
            schema = @Schema(implementation = ReservationAccepted.class)))
    void reserve(@io.swagger.v3.oas.annotations.parameters.RequestBody(required = true) ReservationRequest request,
            HttpServletRequest httpRequest, HttpServletResponse response)
            throws IOException, HttpMediaTypeNotAcceptableException {
        long eventId = StrictNumberBinding.pathVariable(httpRequest, "eventId");
        String idempotencyKey = httpRequest.getHeader(IdempotencyKeys.HEADER);
        IdempotencyKeys.check(idempotencyKey);
        // before anything is queued: a client that cannot read the answer must not lose a position to it
        ReservationAnswers.requireAcceptable(httpRequest);
        EnqueueBatcher scratch = this.warmup.batcherFor(eventId, httpRequest);
        ReservationService.Reserved reserved;
        try {
            reserved = (scratch == null) ? this.reservations.reserve(eventId, request.userId(), idempotencyKey)
                    : this.reservations.reserve(scratch, eventId, request.userId(), idempotencyKey);
        }
        catch (FloodRefusal floodRefusal) {
            if (floodRefusal.windowRefusal() != null) {
                httpRequest.setAttribute(ReservationOutcomeMetrics.WINDOW_REFUSAL, floodRefusal.windowRefusal());
            }
            this.answers.refused(floodRefusal, httpRequest, response);
            return;
        }
        if (reserved.replayed()) {
            httpRequest.setAttribute(ReservationOutcomeMetrics.REPLAYED, Boolean.TRUE);
        }
        this.answers.accepted(reserved.job(), response);
    }

    @GetMapping("/reservations/{reservationId}")
    ReservationView get(@PathVariable String reservationId, HttpServletRequest httpRequest) {
        UUID id = ReservationIds.parse(reservationId);
        EnqueueBatcher scratch = this.warmup.batcherFor(id, httpRequest);
        ReservationView view = (scratch == null) ? this.reservations.find(id) : this.reservations.find(scratch, id);
        String caller = this.identity.userOf(httpRequest);
        if (caller != null && !caller.equals(view.userId())) {
            throw new ReservationNotFoundException(id);
        }
        return view;
    }

}
