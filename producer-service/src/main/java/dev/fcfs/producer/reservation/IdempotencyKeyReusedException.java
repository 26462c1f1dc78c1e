package dev.fcfs.producer.reservation;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** An {@code Idempotency-Key} first used for another user's request: 422, nothing queued. */
class IdempotencyKeyReusedException extends ErrorResponseException {

    IdempotencyKeyReusedException() {
        super(HttpStatus.UNPROCESSABLE_CONTENT, ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT,
                "Idempotency-Key reused with a different request."), null);
    }

}
