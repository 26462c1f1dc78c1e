package dev.fcfs.producer.warmup;

import java.util.ArrayList;
import java.util.List;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.producer.reservation.WarmupTraffic;
import dev.fcfs.shared.warmup.ScratchRuns;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.ScanOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The producer started as in production, with its warm-up (shortened): it drives the real accept path before
 * readiness, and leaves nothing behind in Redis, in PostgreSQL or in the business metrics.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.datasource.hikari.maximum-pool-size=4", "spring.datasource.hikari.minimum-idle=1",
                "reservation.admin.token=" + ProducerWarmupIntegrationTests.TOKEN,
                "reservation.warmup.enabled=true", "reservation.warmup.max-duration=4s",
                "reservation.warmup.connections=4" })
@Import(ProducerWarmupIntegrationTests.Readiness.class)
class ProducerWarmupIntegrationTests extends ProducerIntegrationSupport {

    static final String TOKEN = ProducerIntegrationSupport.ADMIN_TOKEN;

    @Autowired
    private ProducerWarmup warmup;

    @Autowired
    private Readiness readiness;

    @Autowired
    private MeterRegistry meters;

    @Test
    void drivesEveryKindOfRequestThroughTheRealPathBeforeReadinessTurnsUp() {
        ProducerWarmup.Result result = this.warmup.result();

        assertThat(result).isNotNull();
        assertThat(result.accepted()).isPositive();
        assertThat(result.soldOut()).isPositive();
        assertThat(result.polled()).isPositive();
        assertThat(result.failed()).isZero();
        assertThat(this.readiness.acceptingTrafficAt).isNotZero();
        assertThat(this.readiness.acceptingTrafficAt - result.endedAtNanos()).isPositive();
    }

    @Test
    void leavesNoScratchKeyNoRunAndNoEventBehind() {
        assertThat(keysUnder(this.keys.prefix() + ":warmup:*")).isEmpty();
        assertThat(keysUnder(this.keys.prefix() + ":*")).containsExactly(this.keys.layout());
        assertThat(this.jdbc.sql("SELECT count(*) FROM events").query(Long.class).single()).isZero();
    }

    @Test
    void isNotCountedInTheBusinessMetricsWhileTheSameIdsAreOrdinaryRequestsAfterIt() {
        assertThat(requestsCounted()).isZero();

        // a scratch event id, without the secret and after the warm-up: an event nobody created
        assertProblem(reserve(ScratchRuns.openEvent(0), "u-1"), 404);
        assertProblem(reserve(ScratchRuns.openEvent(0), "u-1", WarmupTraffic.HEADER, "not-the-secret"), 404);

        assertThat(requestsCounted()).isEqualTo(2);
        assertThat(this.meters.get("reservation.requests").tag("outcome", "not_found").counter().count())
            .isEqualTo(2);
    }

    private double requestsCounted() {
        return this.meters.get("reservation.requests").counters().stream().mapToDouble((c) -> c.count()).sum();
    }

    private List<String> keysUnder(String pattern) {
        List<String> found = new ArrayList<>();
        try (var cursor = this.redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return found;
    }

    /** When readiness turned to ACCEPTING_TRAFFIC ({@link System#nanoTime}). */
    @TestConfiguration(proxyBeanMethods = false)
    static class Readiness {

        volatile long acceptingTrafficAt;

        @EventListener
        void on(AvailabilityChangeEvent<ReadinessState> event) {
            if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
                this.acceptingTrafficAt = System.nanoTime();
            }
        }

    }

}
