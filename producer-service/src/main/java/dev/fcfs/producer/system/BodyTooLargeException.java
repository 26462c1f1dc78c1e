package dev.fcfs.producer.system;

import java.io.IOException;

/**
 * A request body of unknown length ran past {@code reservation.api.max-body-size} while being read. An
 * {@link IOException}, because that is what a body stream may throw; the JSON reader wraps it, and
 * {@link ApiExceptionHandler} finds it in the cause chain.
 */
final class BodyTooLargeException extends IOException {

    private final long maxBytes;

    BodyTooLargeException(long maxBytes) {
        super(BodySizeLimitFilter.tooLargeMessage(maxBytes));
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return this.maxBytes;
    }

}
