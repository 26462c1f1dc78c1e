package dev.fcfs.producer.reservation;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

import dev.fcfs.producer.event.EventNotFoundException;
import dev.fcfs.producer.event.EventRegistration;
import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.producer.web.ServiceUnavailableException;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.MalformedJobException;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.EnqueueBatch.Status;
import dev.fcfs.shared.reservation.ReservationId;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

/** Accepts reservation requests and reports where they stand. */
@Service
class ReservationService {

    private static final Logger log = LoggerFactory.getLogger(ReservationService.class);

    private final EnqueueBatcher batcher;

    private final DecidedReservations decided;

    private final EventRegistration registration;

    private final JobCodec codec;

    private final long retryAfterSeconds;

    ReservationService(EnqueueBatcher batcher, DecidedReservations decided, EventRegistration registration,
            JobCodec codec, ApiProperties properties) {
        this.batcher = batcher;
        this.decided = decided;
        this.registration = registration;
        this.codec = codec;
        this.retryAfterSeconds = properties.retryAfterSeconds();
    }

    /**
     * Puts a request in line: one Redis round trip and no database access, except when Redis does not know the
     * event, which happens once per event after a Redis data loss (or if its registration at creation failed).
     * @return the job as queued (built from the script's reply, not read back), or the one first queued under the
     * same idempotency key by the same user (then marked replayed)
     */
    Reserved reserve(long eventId, String userId, @Nullable String idempotencyKey) {
        return reserve(this.batcher, eventId, userId, idempotencyKey);
    }

    /** {@link #reserve(long, String, String)} on another batcher: the start-up warm-up's, on its scratch keys. */
    Reserved reserve(EnqueueBatcher batcher, long eventId, String userId, @Nullable String idempotencyKey) {
        if (eventId < 1 || eventId > ReservationId.MAX_EVENT_ID) {
            throw new EventNotFoundException(eventId);
        }
        UUID reservationId = ReservationId.newFor(eventId);
        EnqueueBatch.Outcome outcome = batcher.enqueue(reservationId, eventId, userId, idempotencyKey);
        if (outcome.status() == Status.NO_EVENT) {
            if (!this.registration.restore(eventId)) {
                throw new EventNotFoundException(eventId);
            }
            outcome = batcher.enqueue(reservationId, eventId, userId, idempotencyKey);
        }
        return switch (outcome.status()) {
            case ACCEPTED -> new Reserved(outcome.job(), false);
            case REPLAY -> new Reserved(this.codec.decode(outcome.replayedJob()), true);
            case NOT_OPEN -> throw new EventNotOpenException(eventId, outcome.windowEdge(),
                    outcome.secondsUntilOpen());
            case CLOSED -> throw new EventClosedException(eventId, outcome.windowEdge());
            case SOLD_OUT -> throw new EventSoldOutException(eventId);
            case BUSY -> throw new QueueFullException(eventId, this.retryAfterSeconds);
            // only if the event key vanished again right after its registration: Redis is losing data right now
            case NO_EVENT -> throw new ServiceUnavailableException(
                    "Event " + eventId + " vanished from Redis after registration");
        };
    }

    /** The answer to a reservation request: the job in line, and whether it was queued by an earlier request. */
    record Reserved(ReservationJob job, boolean replayed) {
    }

    /**
     * Where a reservation stands. Redis is asked first and may only say PENDING; the consumer commits a decision to
     * PostgreSQL before it removes the job from the pending hash, so a job missing from Redis is either decided in
     * PostgreSQL or unknown, and the answer never runs ahead of what is committed.
     */
    ReservationView find(UUID reservationId) {
        return find(this.batcher, reservationId);
    }

    /** {@link #find(UUID)} on another batcher: the start-up warm-up's, on its scratch keys. */
    ReservationView find(EnqueueBatcher batcher, UUID reservationId) {
        OptionalLong eventId = ReservationId.eventIdOf(reservationId);
        if (eventId.isEmpty()) {
            throw new ReservationNotFoundException(reservationId);
        }
        DataAccessException redisFailure = null;
        try {
            String pending = batcher.pendingJob(reservationId, eventId.getAsLong());
            if (pending != null) {
                return ReservationView.pending(this.codec.decode(pending));
            }
        }
        catch (DataAccessException ex) {
            // a decided reservation can still be answered from PostgreSQL
            redisFailure = ex;
        }
        catch (MalformedJobException ex) {
            log.warn("Reservation " + reservationId + ": pending entry cannot be decoded (" + ex.getMessage() + ")");
        }
        Optional<ReservationView> decision = this.decided.find(reservationId);
        if (decision.isPresent()) {
            return decision.get();
        }
        if (redisFailure != null) {
            throw redisFailure;
        }
        throw new ReservationNotFoundException(reservationId);
    }

}
