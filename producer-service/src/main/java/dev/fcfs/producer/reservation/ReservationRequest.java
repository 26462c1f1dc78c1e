package dev.fcfs.producer.reservation;

import dev.fcfs.shared.job.JobCodec;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /events/{eventId}/reservations}.
 *
 * @param userId who asks: 1 to 64 characters, not blank, no control characters (the consumer stores it in
 * PostgreSQL, which refuses NUL; a job it can never insert would hold up its whole shard)
 */
record ReservationRequest(
        @NotBlank @Size(max = JobCodec.MAX_USER_ID_LENGTH) @Pattern(regexp = "[^\\p{Cc}\\p{Cs}]*",
                message = "must not contain control characters") String userId) {
}
