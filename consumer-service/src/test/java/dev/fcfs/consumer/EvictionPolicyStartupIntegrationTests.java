package dev.fcfs.consumer;

import java.time.Duration;

import dev.fcfs.consumer.worker.ShardCoordinator;
import dev.fcfs.shared.redis.RedisRequirementsException;
import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.TestDatabase;
import dev.fcfs.testsupport.TestServers;
import dev.fcfs.testsupport.WholeApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The whole consumer application started against a Redis of the test's own whose {@code maxmemory-policy} is
 * {@code allkeys-lru}: it refuses to start under {@code reservation.redis.eviction-policy-check=fail}, and runs with a
 * loud warning under {@code warn}, unless the deployment runs with another shard count.
 */
@ExtendWith(OutputCaptureExtension.class)
class EvictionPolicyStartupIntegrationTests {

    private static PrivateRedis redis;

    private static TestDatabase database;

    @BeforeAll
    static void startServers() {
        redis = PrivateRedis.start("--maxmemory-policy", "allkeys-lru");
        database = TestDatabase.create();
    }

    @AfterAll
    static void stopServers() {
        database.close();
        redis.close();
    }

    @Test
    void refusesToStartOnARedisThatMayEvictQueuedJobs(CapturedOutput output) {
        assertThatThrownBy(() -> start("fail").close())
            .hasRootCauseInstanceOf(RedisRequirementsException.class)
            .rootCause()
            .hasMessageContaining("maxmemory-policy allkeys-lru")
            .hasMessageContaining("CONFIG SET maxmemory-policy noeviction");
        assertThat(output).contains("APPLICATION FAILED TO START").contains("maxmemory-policy allkeys-lru");
    }

    @Test
    void startsWithALoudWarningUnderWarn(CapturedOutput output) {
        try (ConfigurableApplicationContext consumer = start("warn")) {
            assertThat(output).contains("WARN").contains("maxmemory-policy allkeys-lru")
                .contains("Running anyway (reservation.redis.eviction-policy-check=warn)");
            ShardCoordinator coordinator = consumer.getBean(ShardCoordinator.class);
            await().atMost(Duration.ofSeconds(20)).until(coordinator::isCoordinating);
        }
    }

    @Test
    void refusesToStartWithAnotherShardCountThanTheDeployment(CapturedOutput output) {
        String prefix = TestServers.newKeyPrefix();
        redis.commands().set(prefix + ":layout", "shards=3");

        assertThatThrownBy(() -> start("warn", prefix).close())
            .hasRootCauseInstanceOf(RedisRequirementsException.class)
            .rootCause()
            .hasMessageContaining("runs with shards=3, but this service is configured with shards=2")
            .hasMessageContaining("reservation.queue.shards");
        assertThat(output).contains("APPLICATION FAILED TO START").contains("drain the queues");
    }

    private static ConfigurableApplicationContext start(String check) {
        return start(check, TestServers.newKeyPrefix());
    }

    private static ConfigurableApplicationContext start(String check, String keyPrefix) {
        return WholeApplication.run(ConsumerApplication.class, "--server.port=0",
                "--spring.datasource.url=" + database.springProperties().get("spring.datasource.url"),
                "--spring.datasource.username=" + database.springProperties().get("spring.datasource.username"),
                "--spring.datasource.password=" + database.springProperties().get("spring.datasource.password"),
                "--spring.datasource.hikari.maximum-pool-size=2", "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(), "--reservation.queue.key-prefix=" + keyPrefix,
                "--reservation.queue.shards=2", "--reservation.worker.lease-ttl=2s",
                "--reservation.warmup.enabled=false", "--reservation.redis.eviction-policy-check=" + check);
    }

}
