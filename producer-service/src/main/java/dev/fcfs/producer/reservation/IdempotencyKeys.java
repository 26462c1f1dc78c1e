package dev.fcfs.producer.reservation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** The rules for the {@code Idempotency-Key} header. */
final class IdempotencyKeys {

    static final String HEADER = "Idempotency-Key";

    static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /**
     * Accepts an absent key, or 1 to 255 visible ASCII characters (0x21 to 0x7E). The key becomes part of a Redis key
     * name, so spaces, control characters and non-ASCII are kept out.
     * @throws ErrorResponseException 400 otherwise
     */
    static void check(@Nullable String key) {
        if (key == null) {
            return;
        }
        boolean valid = !key.isEmpty() && key.length() <= MAX_LENGTH;
        for (int i = 0; valid && i < key.length(); i++) {
            char c = key.charAt(i);
            valid = c >= 0x21 && c <= 0x7E;
        }
        if (!valid) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                    "Invalid " + HEADER + " header.");
            Map<String, String> error = new LinkedHashMap<>();
            error.put("field", HEADER);
            error.put("message", "must be 1 to " + MAX_LENGTH + " visible ASCII characters (0x21-0x7E)");
            problem.setProperty("errors", List.of(error));
            throw new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
        }
    }

}
