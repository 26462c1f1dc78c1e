/**
 * Operator features that need the admin token: the admin token ({@link dev.fcfs.producer.admin.AdminToken}; the
 * security chain of {@code dev.fcfs.producer.security} requires it on {@code POST /events}, {@code PATCH /events/*}
 * and {@code /admin/**}), and the dead-letter lists
 * ({@code /admin/dead-letters}): list, requeue, discard, each an atomic script of shared-model's
 * {@code ReservationScripts}.
 */
package dev.fcfs.producer.admin;
