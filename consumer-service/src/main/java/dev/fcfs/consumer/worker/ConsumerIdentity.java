package dev.fcfs.consumer.worker;

/**
 * This consumer's name in shard leases, the live-consumer set and the fencing table.
 *
 * @param id unique among running consumers
 */
public record ConsumerIdentity(String id) {
}
