package dev.fcfs.producer.reservation;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * Backpressure: the event's shard queue holds {@code reservation.api.max-queue-depth} jobs. 429 with
 * {@code Retry-After}, nothing queued and no position used up; accepted work is never dropped to make room.
 */
class QueueFullException extends ErrorResponseException {

    QueueFullException(long eventId, long retryAfterSeconds) {
        super(HttpStatus.TOO_MANY_REQUESTS, ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                "The queue for event " + eventId + " is full. Retry later."), null);
        getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
    }

    /**
     * An answer, not a fault: thrown for every request of a flood, where the stack trace (a hundred frames of
     * servlet container and framework) would cost more than the rest of the refusal and nobody reads it.
     */
    @Override
    public Throwable fillInStackTrace() {
        return this;
    }

}
