package dev.fcfs.producer.reservation;

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
 */
record ReservationView(UUID reservationId, long eventId, String userId, long position, ReservationStatus status,
        @Nullable Integer seatNumber, @Nullable RejectionReason reason) {

    static ReservationView pending(ReservationJob job) {
        return new ReservationView(job.reservationId(), job.eventId(), job.userId(), job.position(),
                ReservationStatus.PENDING, null, null);
    }

}
