package dev.fcfs.producer.reservation;

import java.time.Instant;

import dev.fcfs.producer.system.Problems;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The event's sale window has not opened by Redis's clock: 409 {@code /problems/not-open} with {@code Retry-After}
 * (whole seconds until it opens, by the same clock), nothing queued and no position used up.
 */
class EventNotOpenException extends ErrorResponseException {

    EventNotOpenException(long eventId, Instant opensAt, long retryAfterSeconds) {
        super(HttpStatus.CONFLICT, problem(eventId, opensAt), null);
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

    /**
     * An answer, not a fault: thrown for every request of a flood (clients hammering before the opening), where the
     * stack trace would cost more than the rest of the refusal and nobody reads it.
     */
    @Override
    public Throwable fillInStackTrace() {
        return this;
    }

}
