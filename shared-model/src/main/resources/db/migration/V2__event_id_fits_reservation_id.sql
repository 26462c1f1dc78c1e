-- Reservation ids carry the event id in 48 bits (ReservationId): an event above that could never be reserved.
ALTER TABLE events ADD CONSTRAINT events_id_fits_reservation_id CHECK (id BETWEEN 1 AND 281474976710655);
