package dev.fcfs.consumer.system;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.fcfs.consumer.worker.ConsumerIdentity;
import dev.fcfs.consumer.worker.ShardCoordinator;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of the worker: UP while this consumer holds shards or can take them over (it is coordinating through
 * Redis and agrees with the deployment's queue layout) and none of its shards is stuck, with the shards it serves
 * and the stuck ones (shard: seconds since its last progress) as details.
 *
 * <p>A stuck shard turns readiness DOWN on purpose: readiness is this consumer's "I am doing my part", and with jobs
 * waiting for {@code reservation.worker.stuck-after} it is not. The consumer serves no traffic, so DOWN takes
 * nothing out of service; it keeps serving its other shards and the stuck one resumes by itself once the cause
 * (a lock, a failing server) is gone. Liveness is not affected: a restart would not release a lock held elsewhere.
 */
@Component("shards")
class ShardsHealthIndicator implements HealthIndicator {

    private final ShardCoordinator coordinator;

    private final ConsumerIdentity identity;

    ShardsHealthIndicator(ShardCoordinator coordinator, ConsumerIdentity identity) {
        this.coordinator = coordinator;
        this.identity = identity;
    }

    @Override
    public Health health() {
        Map<String, Long> stuck = new LinkedHashMap<>();
        this.coordinator.stuckShards().forEach((shard, age) -> stuck.put(Integer.toString(shard), age.toSeconds()));
        Health.Builder health = (this.coordinator.isCoordinating() && stuck.isEmpty()) ? Health.up() : Health.down();
        return health.withDetail("consumer", this.identity.id())
            .withDetail("ownedShards", this.coordinator.ownedShards())
            .withDetail("stuckShards", stuck)
            .build();
    }

}
