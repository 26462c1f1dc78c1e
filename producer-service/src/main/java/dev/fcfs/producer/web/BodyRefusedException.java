package dev.fcfs.producer.web;

import java.io.IOException;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The body stream refused to read on ({@link BodySizeLimitFilter}): too large, or too slow. An {@link IOException},
 * because that is what a body stream may throw; the JSON reader wraps it, and {@link ApiExceptionHandler} finds it in
 * the cause chain and answers with its status.
 */
abstract class BodyRefusedException extends IOException {

    private final HttpStatus status;

    BodyRefusedException(HttpStatus status, String message) {
        super(message);
        this.status = status;
    }

    HttpStatus status() {
        return this.status;
    }

    ProblemDetail problem() {
        return Problems.of(this.status, getMessage());
    }

}
