package dev.fcfs.producer.reservation;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** Neither pending in Redis nor decided in PostgreSQL: 404. */
class ReservationNotFoundException extends ErrorResponseException {

    ReservationNotFoundException(UUID reservationId) {
        super(HttpStatus.NOT_FOUND, ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                "No reservation with id " + reservationId + "."), null);
    }

}
