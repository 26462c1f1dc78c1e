package dev.fcfs.shared.reservation;

import java.security.SecureRandom;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Reservation ids: RFC 9562 version 8 ("custom") UUIDs that carry the event id in their first 48 bits and 74
 * random bits after it.
 *
 * <p>The event id tells the producer which shard's Redis keys hold a pending reservation, so a status lookup
 * needs no index and no scan; the random bits keep ids unguessable, since a reservation shows its user id.
 */
public final class ReservationId {

    /** Largest event id that fits the layout. */
    public static final long MAX_EVENT_ID = (1L << 48) - 1;

    private static final SecureRandom RANDOM = new SecureRandom();

    private static final int VERSION = 8;

    private ReservationId() {
    }

    /** A new random id for a reservation of the given event. */
    public static UUID newFor(long eventId) {
        if (eventId < 1 || eventId > MAX_EVENT_ID) {
            throw new IllegalArgumentException("event id out of range: " + eventId);
        }
        long random = RANDOM.nextLong();
        long mostSignificant = (eventId << 16) | ((long) VERSION << 12) | (random & 0xFFFL);
        long leastSignificant = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(mostSignificant, leastSignificant);
    }

    /** The event id carried by a reservation id, or empty if the id was not made by {@link #newFor(long)}. */
    public static OptionalLong eventIdOf(UUID id) {
        if (id.version() != VERSION || id.variant() != 2) {
            return OptionalLong.empty();
        }
        long eventId = id.getMostSignificantBits() >>> 16;
        return (eventId >= 1) ? OptionalLong.of(eventId) : OptionalLong.empty();
    }

}
