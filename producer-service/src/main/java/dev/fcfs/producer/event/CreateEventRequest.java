package dev.fcfs.producer.event;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /events}.
 *
 * @param name 1 to 200 characters, not blank; no control characters (PostgreSQL refuses NUL, and the others have no
 * business in a name)
 * @param capacity number of seats, 1 to 1,000,000
 * @param opensAt when reservations open, an ISO-8601 instant with an offset; absent or null: at once
 * @param closesAt when reservations close, an ISO-8601 instant with an offset after {@code opensAt}; absent or null:
 * never (until sold out)
 */
record CreateEventRequest(
        @NotBlank @Size(max = 200) @Pattern(regexp = "[^\\p{Cc}\\p{Cs}]*",
                message = "must not contain control characters") String name,
        @NotNull @Min(1) @Max(1_000_000) Integer capacity, @Nullable String opensAt, @Nullable String closesAt) {
}
