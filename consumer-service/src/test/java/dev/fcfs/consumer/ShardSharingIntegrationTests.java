package dev.fcfs.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fcfs.consumer.lease.ShardLeases;
import dev.fcfs.consumer.worker.ConsumerIdentity;
import dev.fcfs.consumer.worker.JobQueue;
import dev.fcfs.consumer.worker.ShardCoordinator;
import dev.fcfs.consumer.worker.ShardWorkerFactory;
import dev.fcfs.consumer.worker.WorkerMetrics;
import dev.fcfs.consumer.worker.WorkerProperties;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.ServiceTestInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several consumers on one queue: they split the shards between them, never serve one shard twice, and take
 * over the shards of one that leaves. A second consumer is built in the same JVM from the same beans, under
 * another identity, exactly as a second process would be.
 */
@SpringBootTest(properties = { "reservation.worker.lease-ttl=2s", "reservation.queue.shards=4" })
@Import(ServiceTestInfrastructure.class)
class ShardSharingIntegrationTests {

    @Autowired
    ShardCoordinator first;

    @Autowired
    ShardLeases leases;

    @Autowired
    JobQueue queue;

    @Autowired
    ShardWorkerFactory workers;

    @Autowired
    WorkerMetrics metrics;

    @Autowired
    WorkerProperties properties;

    @Autowired
    QueueKeys keys;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void twoConsumersSplitTheShardsAndTheSurvivorTakesAllAfterTheOtherLeaves() {
        if (!this.first.isRunning()) {
            this.first.start();
        }
        ShardCoordinator second = new ShardCoordinator(this.leases, this.workers, this.queue, this.properties, this.keys,
                new ConsumerIdentity("second-consumer"), this.metrics);
        second.start();
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(this.first.ownedShards()).hasSize(2);
                assertThat(second.ownedShards()).hasSize(2);
            });
            List<Integer> all = new ArrayList<>(this.first.ownedShards());
            all.addAll(second.ownedShards());
            assertThat(all).containsExactlyInAnyOrder(0, 1, 2, 3);

            // and both serve: a request on every shard is decided
            QueueFixture fixture = new QueueFixture(this.jdbc, this.redis, this.keys);
            List<Long> events = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long event = fixture.createEvent(1);
                fixture.enqueue(event, "ann");
                events.add(event);
            }
            assertThat(events).extracting(this.keys::shardOf).containsExactlyInAnyOrder(0, 1, 2, 3);
            await().atMost(Duration.ofSeconds(20))
                .until(() -> events.stream().allMatch((event) -> fixture.decidedCount(event) == 1));
        }
        finally {
            second.stop();
        }
        await().atMost(Duration.ofSeconds(20))
            .untilAsserted(() -> assertThat(this.first.ownedShards()).containsExactly(0, 1, 2, 3));
    }

}
