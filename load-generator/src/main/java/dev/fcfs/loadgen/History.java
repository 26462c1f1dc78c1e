package dev.fcfs.loadgen;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.fcfs.loadgen.ReservationApi.EventView;

/**
 * Everything a test saw through the API: what it asked, what was accepted, how each accepted request was finally
 * decided, and how the events ended. {@link InvariantChecker} judges it.
 *
 * @param capacities capacity of every event the test created, by event id
 * @param accepted one entry per reservation the producer accepted (answered 202), replays not repeated
 * @param decisions final state of each accepted reservation, by id; an absent entry means the reservation could
 * not be read back (lost)
 * @param events final {@code GET /events/{id}} of every created event, by id; absent if it could not be read
 * @param refusals answers to the requests that were malformed on purpose
 * @param soldOutAtDoor valid requests refused with 409 because the event was already sold out (allowed once
 * the last seat is committed; nothing is queued and no position used)
 * @param validRequests how many valid requests were sent (a request sent twice with one idempotency key counts
 * once): each must end up accepted or sold out at the door
 * @param failures valid requests that did not get the answer the contract promises (no answer, 4xx, 5xx, an
 * idempotent replay that answered differently, ...), described
 */
public record History(Map<Long, Integer> capacities, List<Accepted> accepted, Map<UUID, Decision> decisions,
        Map<Long, EventView> events, List<Refusal> refusals, List<SoldOutAtDoor> soldOutAtDoor, long validRequests,
        List<String> failures) {

    /** A 202: the reservation id, and the place in line the producer promised. */
    public record Accepted(UUID reservationId, long eventId, String userId, long position) {
    }

    /**
     * {@code GET /reservations/{id}}. seatNumber, reason, acceptedAt and decidedAt are null when absent (the
     * checker ignores the two instants; the load generator's summary measures with them).
     */
    public record Decision(UUID reservationId, long eventId, String userId, long position, String status,
            Integer seatNumber, String reason, Instant acceptedAt, Instant decidedAt) {

        /** A decision without timestamps. */
        public Decision(UUID reservationId, long eventId, String userId, long position, String status,
                Integer seatNumber, String reason) {
            this(reservationId, eventId, userId, position, status, seatNumber, reason, null, null);
        }

        public static Decision confirmed(Accepted accepted, int seatNumber) {
            return new Decision(accepted.reservationId(), accepted.eventId(), accepted.userId(), accepted.position(),
                    "CONFIRMED", seatNumber, null);
        }

        public static Decision rejected(Accepted accepted, String reason) {
            return new Decision(accepted.reservationId(), accepted.eventId(), accepted.userId(), accepted.position(),
                    "REJECTED", null, reason);
        }

        public static Decision pending(Accepted accepted) {
            return new Decision(accepted.reservationId(), accepted.eventId(), accepted.userId(), accepted.position(),
                    "PENDING", null, null);
        }

        public String outcome() {
            return switch (this.status) {
                case "CONFIRMED" -> "CONFIRMED seat " + this.seatNumber;
                case "REJECTED" -> "REJECTED/" + this.reason;
                default -> this.status + ((this.seatNumber != null) ? " seat " + this.seatNumber : "")
                        + ((this.reason != null) ? " reason " + this.reason : "");
            };
        }

    }

    /**
     * A valid request answered 409 (sold out) without being queued, and what {@code GET /events/{id}} showed
     * right after that answer: since the producer may only say so once the last seat is committed, it must
     * show every seat taken.
     */
    public record SoldOutAtDoor(long eventId, String userId, int status, String contentType, int reservedAfter,
            int capacityAfter) {
    }

    /** The answer to a request that was malformed on purpose. */
    public record Refusal(String description, int status, String contentType, String body) {
    }

}
