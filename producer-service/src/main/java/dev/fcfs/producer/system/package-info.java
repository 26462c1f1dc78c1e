/**
 * The producer's Redis start-up requirements: no queueing while Redis may evict jobs, and the shard count the
 * deployment runs with.
 */
package dev.fcfs.producer.system;
