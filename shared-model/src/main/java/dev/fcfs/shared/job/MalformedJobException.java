package dev.fcfs.shared.job;

/** A queue entry that is not a valid {@link ReservationJob}; the worker dead-letters it with this message. */
public class MalformedJobException extends RuntimeException {

    public MalformedJobException(String message) {
        super(message);
    }

    public MalformedJobException(String message, Throwable cause) {
        super(message, cause);
    }

}
