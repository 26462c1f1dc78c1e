package dev.fcfs.producer.event;

import java.time.Instant;

import dev.fcfs.producer.web.Problems;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * 409 {@code /problems/already-open}: the event has opened by Redis's clock (or never had an opening), so its sale
 * window can no longer change; nothing was changed.
 */
class WindowAlreadyOpenException extends ErrorResponseException {

    WindowAlreadyOpenException(long eventId, @Nullable Instant opensAt) {
        super(HttpStatus.CONFLICT, problem(eventId, opensAt), null);
    }

    private static ProblemDetail problem(long eventId, @Nullable Instant opensAt) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, "Event " + eventId
                + " has opened for reservations; its sale window can only be changed before it opens.");
        problem.setType(Problems.ALREADY_OPEN);
        problem.setTitle("Already open");
        if (opensAt != null) {
            problem.setProperty("opensAt", opensAt.toString());
        }
        return problem;
    }

}
