package dev.fcfs.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.fcfs.consumer.lease.ShardLeases;
import dev.fcfs.consumer.worker.ConsumerIdentity;
import dev.fcfs.consumer.worker.JobQueue;
import dev.fcfs.consumer.worker.ShardCoordinator;
import dev.fcfs.consumer.worker.ShardWorkerFactory;
import dev.fcfs.consumer.worker.WorkerMetrics;
import dev.fcfs.consumer.worker.WorkerProperties;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.redis.RedisRequirements;
import dev.fcfs.testsupport.TestServers;
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
@SpringBootTest(properties = { "reservation.warmup.enabled=false",
        "reservation.worker.lease-ttl=2s", "reservation.queue.shards=4" })
@Import(TestServers.class)
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

    @Autowired
    RedisRequirements redisRequirements;

    @Test
    void twoConsumersSplitTheShardsAndTheSurvivorTakesAllAfterTheOtherLeaves() {
        if (!this.first.isRunning()) {
            this.first.start();
        }
        ShardCoordinator second = new ShardCoordinator(this.leases, this.redisRequirements, this.workers, this.queue,
                this.properties, this.keys, new ConsumerIdentity("second-consumer"), this.metrics);
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

    @Test
    void aConsumerThatStopsWhileTakingAShardLeavesNoLeaseBehind() throws InterruptedException {
        this.first.stop();
        try {
            AtomicReference<ShardCoordinator> stopping = new AtomicReference<>();
            CountDownLatch taking = new CountDownLatch(1);
            // Redis answers the first lease request of its first round only once the consumer has begun to stop
            ShardLeases slowToAnswer = new ShardLeases(this.redis, this.keys) {

                @Override
                public boolean tryAcquire(int shard, String owner, Duration ttl) {
                    taking.countDown();
                    while (stopping.get().isRunning()) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    return super.tryAcquire(shard, owner, ttl);
                }

            };
            ShardCoordinator consumer = new ShardCoordinator(slowToAnswer, this.redisRequirements, this.workers,
                    this.queue, this.properties, this.keys, new ConsumerIdentity("stopping-consumer"), this.metrics);
            stopping.set(consumer);
            consumer.start();
            assertThat(taking.await(10, TimeUnit.SECONDS)).isTrue();

            consumer.stop();

            // every shard is free for the others at once, not after a lease TTL
            for (int shard = 0; shard < this.keys.shards(); shard++) {
                assertThat(this.redis.opsForValue().get(this.keys.lease(shard))).as("lease of shard %d", shard)
                    .isNotEqualTo("stopping-consumer");
            }
            assertThat(consumer.ownedShards()).isEmpty();
        }
        finally {
            this.first.start();
        }
    }

}
