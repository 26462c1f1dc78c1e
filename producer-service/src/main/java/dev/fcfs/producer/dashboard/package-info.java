/**
 * The public operations dashboard ({@code /dashboard}, fed by {@code GET /dashboard/data}): per-event counts, queue
 * depth per shard, consumers and the shards they own, and throughput over the last minutes. One background sampler
 * reads PostgreSQL and Redis once a second, however many browsers watch; the JSON never carries user ids.
 */
package dev.fcfs.producer.dashboard;
