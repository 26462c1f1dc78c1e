package dev.fcfs.shared.reservation;

/** Where a reservation stands. Only {@link #PENDING} is ever answered from Redis; the others come from PostgreSQL. */
public enum ReservationStatus {

    /** Accepted and queued; no decision committed yet. */
    PENDING,

    /** A seat is committed to this reservation. */
    CONFIRMED,

    /** Committed refusal; see {@link RejectionReason}. */
    REJECTED

}
