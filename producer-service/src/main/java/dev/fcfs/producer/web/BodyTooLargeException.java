package dev.fcfs.producer.web;

import org.springframework.http.HttpStatus;

/** A request body of unknown length ran past {@code reservation.api.max-body-size} while being read: 413. */
final class BodyTooLargeException extends BodyRefusedException {

    private final long maxBytes;

    BodyTooLargeException(long maxBytes) {
        super(HttpStatus.CONTENT_TOO_LARGE, BodySizeLimitFilter.tooLargeMessage(maxBytes));
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return this.maxBytes;
    }

}
