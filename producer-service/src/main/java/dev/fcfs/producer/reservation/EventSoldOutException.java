package dev.fcfs.producer.reservation;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The event's last seat is committed, so a new request could only be refused: 409 at the door, nothing queued.
 * The worker raises the flag only after the commit, so no request that could still win ever gets this answer.
 */
class EventSoldOutException extends FloodRefusal {

    EventSoldOutException(long eventId) {
        super(HttpStatus.CONFLICT, problem(eventId), null);
    }

    private static ProblemDetail problem(long eventId) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "Event " + eventId + " is sold out: every seat is confirmed.");
        problem.setTitle("Sold out");
        problem.setProperty("reason", "SOLD_OUT");
        return problem;
    }

}
