package dev.fcfs.producer.reservation;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A refusal that comes in floods: every late request of a sell-out, every request while a queue is full, every
 * request before an opening or after a closing. The controller writes these answers itself rather than through the
 * exception resolvers, and none of them carries a stack trace: it would cost more than the rest of the refusal (a
 * hundred frames of servlet container and framework), and nobody reads it, since these are answers, not faults.
 */
abstract class FloodRefusal extends ErrorResponseException {

    private final @Nullable String windowRefusal;

    FloodRefusal(HttpStatus status, ProblemDetail problem, @Nullable String windowRefusal) {
        super(status, problem, null);
        this.windowRefusal = windowRefusal;
    }

    /** {@code "not_open"} or {@code "closed"} for a refusal outside the sale window, for the outcome metric. */
    @Nullable String windowRefusal() {
        return this.windowRefusal;
    }

    @Override
    public final Throwable fillInStackTrace() {
        return this;
    }

}
