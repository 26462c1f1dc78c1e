/**
 * Operator features that need the admin token: the bearer-token check in front of {@code POST /events} and
 * {@code /admin/**} ({@link dev.fcfs.producer.admin.AdminAuthInterceptor}), and the dead-letter lists
 * ({@code /admin/dead-letters}): list, requeue, discard, each an atomic script under {@code scripts/admin/}.
 */
package dev.fcfs.producer.admin;
