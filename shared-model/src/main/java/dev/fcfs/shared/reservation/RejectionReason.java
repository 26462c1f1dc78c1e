package dev.fcfs.shared.reservation;

/** Why a reservation was refused. */
public enum RejectionReason {

    /** Every seat had gone to requests ahead of this one in line. */
    SOLD_OUT,

    /** The same user already had an earlier request in line for this event. */
    DUPLICATE

}
