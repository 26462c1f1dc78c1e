package dev.fcfs.producer.reservation;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** Reads reservation ids from URLs, strictly. */
final class ReservationIds {

    private static final int LENGTH = 36;

    private ReservationIds() {
    }

    /**
     * Parses the canonical 8-4-4-12 hex form, either case. {@link UUID#fromString} alone is too lenient: it
     * accepts {@code 1-2-3-4-5}, which would name a different id than the client wrote.
     * @throws ErrorResponseException 400 if the text is not a UUID in canonical form
     */
    static UUID parse(String text) {
        if (text.length() != LENGTH) {
            throw invalid();
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            boolean hyphen = (i == 8 || i == 13 || i == 18 || i == 23);
            if (hyphen ? c != '-' : !isHexDigit(c)) {
                throw invalid();
            }
        }
        return UUID.fromString(text);
    }

    private static boolean isHexDigit(char c) {
        // not Character.digit: it also accepts non-ASCII digits
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static ErrorResponseException invalid() {
        return new ErrorResponseException(HttpStatus.BAD_REQUEST, ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST, "'reservationId' must be a UUID (8-4-4-4-12 hex digits)."), null);
    }

}
