package dev.fcfs.producer.metrics;

import java.time.Duration;

import dev.fcfs.producer.ProducerIntegrationSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What an operator scrapes and probes on the producer. */
class ObservabilityIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void countsReservationRequestsByOutcome() {
        long eventId = createEvent("counted", 10);
        String before = get("/actuator/prometheus").body();
        reserveAccepted(eventId, "u-1");
        reserveAccepted(eventId, "u-2", "Idempotency-Key", "k-1");
        reserveAccepted(eventId, "u-2", "Idempotency-Key", "k-1");
        reserve(eventId, "");
        reserve(eventId + 1000, "u-3");

        // the filter counts a request after its answer went out: the client may scrape before the last count
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String after = get("/actuator/prometheus").body();

            assertThat(count(after, "accepted") - count(before, "accepted")).isEqualTo(2.0);
            assertThat(count(after, "replayed") - count(before, "replayed")).isEqualTo(1.0);
            assertThat(count(after, "bad_input") - count(before, "bad_input")).isEqualTo(1.0);
            assertThat(count(after, "not_found") - count(before, "not_found")).isEqualTo(1.0);
        });
    }

    @Test
    void isReadyWhenPostgresAndRedisAnswer() {
        var readiness = get("/actuator/health/readiness");

        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"status\":\"UP\"");
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    private static double count(String metrics, String outcome) {
        String prefix = "reservation_requests_total{application=\"producer-service\",outcome=\"" + outcome + "\"} ";
        return metrics.lines()
            .filter((line) -> line.startsWith(prefix))
            .mapToDouble((line) -> Double.parseDouble(line.substring(prefix.length())))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + prefix + " in the scrape"));
    }

}
