package dev.fcfs.consumer.system;

import dev.fcfs.consumer.worker.ConsumerIdentity;
import dev.fcfs.consumer.worker.ShardCoordinator;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of the worker: UP while this consumer holds shards or can take them over (it is coordinating through
 * Redis and agrees with the deployment's queue layout), with the shards it serves as details.
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
        Health.Builder health = this.coordinator.isCoordinating() ? Health.up() : Health.down();
        return health.withDetail("consumer", this.identity.id())
            .withDetail("ownedShards", this.coordinator.ownedShards())
            .build();
    }

}
