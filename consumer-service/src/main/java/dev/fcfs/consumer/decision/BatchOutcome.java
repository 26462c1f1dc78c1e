package dev.fcfs.consumer.decision;

import java.util.List;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.RejectionReason;
import dev.fcfs.shared.reservation.ReservationStatus;
import org.jspecify.annotations.Nullable;

/**
 * What one committed batch transaction did with each job.
 *
 * @param decided jobs decided by this transaction
 * @param alreadyDecided jobs that a previous attempt had committed (a replay after a crash); nothing changed
 * @param undecidable jobs that can never be decided, with the reason: they go to the dead-letter list
 * @param soldOutEvents events of the batch that have no seat left once it is committed
 */
public record BatchOutcome(List<Decision> decided, List<ReservationJob> alreadyDecided, List<Undecidable> undecidable,
        List<Long> soldOutEvents) {

    /** One decision as committed. {@code seatNumber} is set for CONFIRMED, {@code reason} for REJECTED. */
    public record Decision(ReservationJob job, ReservationStatus status, @Nullable RejectionReason reason,
            @Nullable Integer seatNumber) {
    }

    /** A job that was not decided, and why. */
    public record Undecidable(ReservationJob job, String reason) {
    }

}
