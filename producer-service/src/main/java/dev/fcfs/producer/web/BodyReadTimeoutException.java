package dev.fcfs.producer.web;

import org.springframework.http.HttpStatus;

/**
 * A request body was still arriving when {@code reservation.api.request-body-timeout} ran out: 408, after which
 * Tomcat closes the connection.
 */
final class BodyReadTimeoutException extends BodyRefusedException {

    BodyReadTimeoutException(long timeoutMillis) {
        super(HttpStatus.REQUEST_TIMEOUT, "Request body not received within " + timeoutMillis + " ms.");
    }

}
