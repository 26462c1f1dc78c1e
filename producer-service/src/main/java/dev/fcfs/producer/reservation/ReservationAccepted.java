package dev.fcfs.producer.reservation;

import java.util.UUID;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationStatus;

/**
 * The 202 answer to a reservation request: the request is in line, nothing is decided yet.
 *
 * @param reservationId where to ask for the decision: {@code GET /reservations/{reservationId}}
 * @param eventId the event asked for
 * @param userId who asked
 * @param status always {@link ReservationStatus#PENDING}
 * @param position place in line for the event, from 1
 */
record ReservationAccepted(UUID reservationId, long eventId, String userId, ReservationStatus status, long position) {

    static ReservationAccepted of(ReservationJob job) {
        return new ReservationAccepted(job.reservationId(), job.eventId(), job.userId(), ReservationStatus.PENDING,
                job.position());
    }

}
