/**
 * Redis client plumbing: the shared queue model and eviction-policy check wired in, fail-fast Lettuce options, and the
 * exact-size UTF-8 codec of the accept path's connection.
 */
package dev.fcfs.producer.redis;
