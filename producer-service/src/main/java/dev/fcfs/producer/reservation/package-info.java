/**
 * Reservations: the accept path (one {@code enqueue.lua} call, no database) and the status lookup (pending hash
 * first, then the committed row).
 */
package dev.fcfs.producer.reservation;
