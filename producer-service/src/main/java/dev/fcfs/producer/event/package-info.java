/**
 * Events: created in PostgreSQL and registered in Redis, read back from PostgreSQL; re-registered in Redis on demand
 * when Redis has lost them ({@link dev.fcfs.producer.event.EventRegistration}).
 */
package dev.fcfs.producer.event;
