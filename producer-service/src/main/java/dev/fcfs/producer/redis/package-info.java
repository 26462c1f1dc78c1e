/**
 * Redis client plumbing: the shared queue model and the Redis requirements check wired in, with the gate that answers
 * 503 while they are not met; fail-fast Lettuce options; the exact-size UTF-8 codec of the accept path's connection.
 */
package dev.fcfs.producer.redis;
