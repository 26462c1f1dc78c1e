package dev.fcfs.producer.reservation;

import java.util.Optional;
import java.util.UUID;

import dev.fcfs.shared.reservation.RejectionReason;
import dev.fcfs.shared.reservation.ReservationStatus;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads decisions the consumer committed to {@code reservations}. Plain SQL rather than an entity: the table belongs
 * to the consumer, and the producer only ever reads one row of it by primary key.
 */
@Repository
class DecidedReservations {

    private final JdbcClient jdbc;

    DecidedReservations(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<ReservationView> find(UUID reservationId) {
        return this.jdbc
            .sql("SELECT id, event_id, user_id, position, status, reason, seat_number, accepted_at, decided_at "
                    + "FROM reservations WHERE id = ?")
            .param(reservationId)
            .query((rs, row) -> {
                String reason = rs.getString("reason");
                return new ReservationView(rs.getObject("id", UUID.class), rs.getLong("event_id"),
                        rs.getString("user_id"), rs.getLong("position"),
                        ReservationStatus.valueOf(rs.getString("status")), rs.getObject("seat_number", Integer.class),
                        (reason != null) ? RejectionReason.valueOf(reason) : null,
                        rs.getTimestamp("accepted_at").toInstant(), rs.getTimestamp("decided_at").toInstant());
            })
            .optional();
    }

}
