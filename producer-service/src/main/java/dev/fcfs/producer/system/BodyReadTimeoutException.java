package dev.fcfs.producer.system;

import java.io.IOException;

/**
 * A request body was still arriving when {@code reservation.api.request-body-timeout} ran out. An
 * {@link IOException} for the same reason as {@link BodyTooLargeException}; answered 408, and Tomcat closes the
 * connection after a 408.
 */
final class BodyReadTimeoutException extends IOException {

    BodyReadTimeoutException(long timeoutMillis) {
        super("Request body not received within " + timeoutMillis + " ms.");
    }

}
