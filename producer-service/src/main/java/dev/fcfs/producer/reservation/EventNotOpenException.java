package dev.fcfs.producer.reservation;

import java.time.Instant;

import dev.fcfs.producer.web.Problems;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The event's sale window has not opened by Redis's clock: 409 {@code /problems/not-open} with {@code Retry-After}
 * (whole seconds until it opens, by the same clock), nothing queued and no position used up.
 */
class EventNotOpenException extends FloodRefusal {

    EventNotOpenException(long eventId, Instant opensAt, long retryAfterSeconds) {
        super(HttpStatus.CONFLICT, problem(eventId, opensAt), "not_open");
        getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
    }

    private static ProblemDetail problem(long eventId, Instant opensAt) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "Event " + eventId + " opens for reservations at " + opensAt + ".");
        problem.setType(Problems.NOT_OPEN);
        problem.setTitle("Not open yet");
        problem.setProperty("opensAt", opensAt.toString());
        return problem;
    }

}
