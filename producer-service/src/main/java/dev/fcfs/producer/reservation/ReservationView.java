package dev.fcfs.producer.reservation;

import java.time.Instant;
import java.util.UUID;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.RejectionReason;
import dev.fcfs.shared.reservation.ReservationStatus;
import org.jspecify.annotations.Nullable;

/**
 * A reservation as {@code GET /reservations/{id}} shows it.
 *
 * @param reservationId its id
 * @param eventId the event
 * @param userId who asked
 * @param position place in line
 * @param status {@code PENDING} (from the Redis pending hash) or {@code CONFIRMED}/{@code REJECTED} (from
 * PostgreSQL only)
 * @param seatNumber the seat, for {@code CONFIRMED}; otherwise null
 * @param reason why, for {@code REJECTED}; otherwise null
 * @param acceptedAt when the request was queued (Redis server time)
 * @param decidedAt when the decision was committed; null while pending
 */
record ReservationView(UUID reservationId, long eventId, String userId, long position, ReservationStatus status,
        @Nullable Integer seatNumber, @Nullable RejectionReason reason, Instant acceptedAt,
        @Nullable Instant decidedAt) {

    static ReservationView pending(ReservationJob job) {
        return new ReservationView(job.reservationId(), job.eventId(), job.userId(), job.position(),
                ReservationStatus.PENDING, null, null, job.acceptedAt(), null);
    }

}
