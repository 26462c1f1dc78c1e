package dev.fcfs.producer.reservation;

import java.time.Instant;

import dev.fcfs.producer.web.Problems;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The event's sale window has closed by Redis's clock: 409 {@code /problems/closed}, nothing queued. No
 * {@code Retry-After}: a window never reopens.
 */
class EventClosedException extends FloodRefusal {

    EventClosedException(long eventId, Instant closesAt) {
        super(HttpStatus.CONFLICT, problem(eventId, closesAt), "closed");
    }

    private static ProblemDetail problem(long eventId, Instant closesAt) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "Reservations for event " + eventId + " closed at " + closesAt + ".");
        problem.setType(Problems.CLOSED);
        problem.setTitle("Closed");
        problem.setProperty("closesAt", closesAt.toString());
        return problem;
    }

}
