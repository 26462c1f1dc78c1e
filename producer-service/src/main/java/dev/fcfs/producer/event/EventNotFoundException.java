package dev.fcfs.producer.event;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** No event with this id exists (or the id is outside the range events can have): 404. */
public class EventNotFoundException extends ErrorResponseException {

    public EventNotFoundException(long eventId) {
        super(HttpStatus.NOT_FOUND, ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                "No event with id " + eventId + "."), null);
    }

}
