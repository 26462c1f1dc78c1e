package dev.fcfs.producer.web;

/**
 * A backing server cannot serve the request right now; answered with 503 and {@code Retry-After} like a Redis
 * outage. Thrown where the failure is detected by the service itself rather than by the Redis client.
 */
public class ServiceUnavailableException extends RuntimeException {

    public ServiceUnavailableException(String message) {
        super(message);
    }

}
