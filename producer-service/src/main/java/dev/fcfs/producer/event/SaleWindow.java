package dev.fcfs.producer.event;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

/**
 * When an event takes reservations: from {@code opensAt} (null: at once) until {@code closesAt} (null: until sold
 * out). Whole milliseconds, the resolution of the copy in Redis, so that PostgreSQL and Redis hold the same instants.
 *
 * @param opensAt first instant at which a request is accepted
 * @param closesAt first instant at which a request is refused; after {@code opensAt}
 */
record SaleWindow(@Nullable Instant opensAt, @Nullable Instant closesAt) {

    static final SaleWindow ALWAYS = new SaleWindow(null, null);

    /** The latest instant accepted: PostgreSQL and the epoch milliseconds of Redis hold it easily. */
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    SaleWindow {
        opensAt = (opensAt != null) ? opensAt.truncatedTo(ChronoUnit.MILLIS) : null;
        closesAt = (closesAt != null) ? closesAt.truncatedTo(ChronoUnit.MILLIS) : null;
    }

    /**
     * Parses a window given as ISO-8601 instants with an offset ({@code 2026-12-24T18:00:00Z},
     * {@code 2026-12-24T19:00:00+01:00}): nothing else is accepted, since a time without an offset means a
     * different instant to every reader.
     * @throws InvalidWindowException naming every field that does not parse, or {@code closesAt} if it is not after
     * {@code opensAt}
     */
    static SaleWindow parse(@Nullable String opensAt, @Nullable String closesAt) {
        InvalidWindowException invalid = new InvalidWindowException();
        Instant opens = parseInstant("opensAt", opensAt, invalid);
        Instant closes = parseInstant("closesAt", closesAt, invalid);
        if (invalid.hasErrors()) {
            throw invalid;
        }
        return checked(new SaleWindow(opens, closes));
    }

    /** @throws InvalidWindowException if {@code closesAt} is not after {@code opensAt} */
    static SaleWindow checked(SaleWindow window) {
        if (window.opensAt() != null && window.closesAt() != null && !window.closesAt().isAfter(window.opensAt())) {
            throw new InvalidWindowException().add("closesAt", "must be after opensAt");
        }
        return window;
    }

    private static @Nullable Instant parseInstant(String field, @Nullable String text, InvalidWindowException invalid) {
        if (text == null) {
            return null;
        }
        try {
            Instant instant = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            if (instant.isBefore(Instant.EPOCH) || instant.isAfter(LATEST)) {
                invalid.add(field, "must be between 1970 and 9999");
                return null;
            }
            return instant;
        }
        catch (DateTimeParseException ex) {
            invalid.add(field, "must be an ISO-8601 instant with an offset, e.g. 2026-12-24T18:00:00Z");
            return null;
        }
    }

    /** The window as the Redis scripts take it: epoch milliseconds, '' for no bound. */
    String opensAtMillis() {
        return (this.opensAt != null) ? Long.toString(this.opensAt.toEpochMilli()) : "";
    }

    String closesAtMillis() {
        return (this.closesAt != null) ? Long.toString(this.closesAt.toEpochMilli()) : "";
    }

}
