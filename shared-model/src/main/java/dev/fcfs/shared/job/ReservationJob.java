package dev.fcfs.shared.job;

import java.time.Instant;
import java.util.UUID;

/**
 * One accepted reservation request, as it travels through the queue.
 *
 * @param reservationId the id the producer answered with
 * @param eventId the event asked for
 * @param userId who asked
 * @param position place in line for the event: 1 for the first accepted request, strictly increasing in queue
 * order, never reused
 * @param acceptedAt Redis server time at which the request was queued
 */
public record ReservationJob(UUID reservationId, long eventId, String userId, long position, Instant acceptedAt) {
}
