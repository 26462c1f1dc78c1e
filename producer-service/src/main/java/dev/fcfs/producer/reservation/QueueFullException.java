package dev.fcfs.producer.reservation;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * Backpressure: the event's shard queue holds {@code reservation.api.max-queue-depth} jobs. 429 with
 * {@code Retry-After}, nothing queued and no position used up; accepted work is never dropped to make room.
 */
class QueueFullException extends FloodRefusal {

    QueueFullException(long eventId, long retryAfterSeconds) {
        super(HttpStatus.TOO_MANY_REQUESTS, ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                "The queue for event " + eventId + " is full. Retry later."), null);
        getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
    }

}
