package dev.fcfs.consumer.worker;

import java.util.ArrayList;
import java.util.List;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer started as in production, with its warm-up (shortened): it decides scratch batches before it takes
 * any shard, and leaves nothing behind in PostgreSQL, in Redis or in the decision metrics.
 */
@SpringBootTest(properties = { "reservation.warmup.max-duration=3s", "reservation.worker.batch-size=200",
        "reservation.worker.lease-ttl=2s", "reservation.queue.shards=2" })
@Import(TestServers.class)
class WorkerWarmupIntegrationTests {

    @Autowired
    WorkerWarmup warmup;

    @Autowired
    ShardCoordinator coordinator;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    QueueKeys keys;

    @Autowired
    MeterRegistry meters;

    @Test
    void decidesFullScratchBatchesBeforeTheCoordinatorTakesAnyShard() {
        WorkerWarmup.Result result = this.warmup.result();

        assertThat(result).isNotNull();
        assertThat(result.batches()).isPositive();
        assertThat(result.decisions()).isEqualTo(200L * result.batches());
        assertThat(result.coordinatorRunning()).isFalse();
        assertThat(this.coordinator.isRunning()).isTrue();
    }

    @Test
    void leavesNoRowNoKeyAndNoDecisionInTheMetricsBehind() {
        assertThat(this.jdbc.queryForObject("SELECT count(*) FROM events", Long.class)).isZero();
        assertThat(this.jdbc.queryForObject("SELECT count(*) FROM reservations", Long.class)).isZero();
        assertThat(this.jdbc.queryForObject("SELECT count(*) FROM shard_leases WHERE shard < 0", Long.class)).isZero();
        assertThat(keysUnder(this.keys.prefix() + ":warmup:*")).isEmpty();
        assertThat(this.meters.get("reservation.decisions").counters().stream().mapToDouble((c) -> c.count()).sum())
            .isZero();
    }

    private List<String> keysUnder(String pattern) {
        List<String> found = new ArrayList<>();
        try (var cursor = this.redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return found;
    }

}
