package dev.fcfs.producer.admin;

import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * One dead-letter entry as {@code GET /admin/dead-letters} shows it.
 *
 * @param shard the shard whose list holds it
 * @param index its place in the list when it was read, 0 = the newest (informative only: it shifts as jobs die)
 * @param id SHA-1 hex of the entry's exact content: what requeue and discard name it by, so a concurrent change can
 * never make them act on another entry
 * @param reason why the worker could not decide the job
 * @param at when it was dead-lettered (Redis server time, whole seconds); null if the entry does not say
 * @param job the raw job, exactly as it was queued
 * @param decoded the job's fields, when the job can be decoded; otherwise null and {@code decodeError} says why
 * @param decodeError why the job cannot be decoded; null when it can
 */
public record DeadLetter(int shard, long index, String id, @Nullable String reason, @Nullable Instant at,
        @Nullable String job, @Nullable DecodedJob decoded, @Nullable String decodeError) {

    /**
     * The fields of a decodable job.
     *
     * @param reservationId the reservation id the client got
     * @param eventId the event
     * @param userId who asked
     * @param position place in line, kept by a requeue
     * @param acceptedAt when it was accepted
     */
    public record DecodedJob(UUID reservationId, long eventId, String userId, long position, Instant acceptedAt) {
    }

}
