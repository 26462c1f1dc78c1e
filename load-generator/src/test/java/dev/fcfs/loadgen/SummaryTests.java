package dev.fcfs.loadgen;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.History.Decision;
import dev.fcfs.loadgen.History.SoldOutAtDoor;
import dev.fcfs.loadgen.ReservationApi.EventView;
import dev.fcfs.loadgen.Summary.EventRow;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SummaryTests {

    private static final Instant T0 = Instant.parse("2026-11-25T21:30:00Z");

    @Test
    void ratesAreCountsOverTheInterval() {
        assertThat(Summary.perSecond(5000, 2_000_000_000L)).isEqualTo(2500.0);
        assertThat(Summary.perSecond(10, 0)).isNaN();
        assertThat(Summary.rate(Double.NaN)).isEqualTo("-");
        assertThat(Summary.rate(2499.6)).isEqualTo("2500");
        assertThat(Summary.seconds(1_234_000_000L)).isEqualTo("1.23");
        assertThat(Summary.seconds(-1)).isEqualTo("-");
    }

    @Test
    void decisionsPerSecondIsTheCountOverTheSpanOfDecidedAt() {
        List<Decision> decisions = List.of(decided(0, 10), decided(1, 510), decided(2, 2010), decided(3, 1000),
                pending(4));

        // 4 decisions between T0+10ms and T0+2010ms
        assertThat(Summary.decisionsPerSecond(decisions)).hasValue(2.0);
    }

    @Test
    void decisionsPerSecondIsUndefinedWithoutASpan() {
        assertThat(Summary.decisionsPerSecond(List.of(decided(0, 10)))).isEmpty();
        assertThat(Summary.decisionsPerSecond(List.of(decided(0, 10), decided(1, 10)))).isEmpty();
        assertThat(Summary.decisionsPerSecond(List.of(pending(0), pending(1)))).isEmpty();
    }

    @Test
    void acceptToDecisionMeasuresDecidedAtMinusAcceptedAt() {
        Histogram histogram = Summary.acceptToDecision(List.of(decided(0, 10), decided(1, 20), decided(2, 30),
                decided(3, 40), pending(4)));

        assertThat(histogram.getTotalCount()).isEqualTo(4);
        // decided(n, ms) is accepted at T0, so the spans are 10, 20, 30, 40 ms
        assertThat(Double.parseDouble(Summary.millis(histogram, 50))).isCloseTo(20.0, within(0.05));
        assertThat(Double.parseDouble(Summary.millis(histogram, 100))).isCloseTo(40.0, within(0.05));
        assertThat(Summary.millis(new Histogram(3), 99)).isEqualTo("-");
    }

    @Test
    void percentilesOfALatencyHistogramInMilliseconds() {
        Histogram nanos = new Histogram(3_600_000_000_000L, 3);
        for (int i = 1; i <= 1000; i++) {
            nanos.recordValue(i * 1_000_000L);
        }

        assertThat(Double.parseDouble(Summary.millis(nanos, 50))).isCloseTo(500, within(1.0));
        assertThat(Double.parseDouble(Summary.millis(nanos, 99))).isCloseTo(990, within(1.0));
        assertThat(Double.parseDouble(Summary.millis(nanos, 99.9))).isCloseTo(999, within(1.0));
        assertThat(Double.parseDouble(Summary.millis(nanos, 100))).isCloseTo(1000, within(1.0));
    }

    @Test
    void eventRowsCountOutcomesPerEvent() {
        Accepted a1 = accepted(1, 1, "ann");
        Accepted a2 = accepted(1, 2, "ann");
        Accepted a3 = accepted(1, 3, "bob");
        Accepted b1 = accepted(2, 1, "cid");
        Accepted b2 = accepted(2, 2, "dan");
        Map<UUID, Decision> decisions = Map.of(a1.reservationId(), Decision.confirmed(a1, 1), a2.reservationId(),
                Decision.rejected(a2, "DUPLICATE"), a3.reservationId(), Decision.rejected(a3, "SOLD_OUT"),
                b1.reservationId(), Decision.confirmed(b1, 1));
        History history = new History(Map.of(1L, 1, 2L, 5, 3L, 9), List.of(a1, a2, a3, b1, b2), decisions,
                Map.of(1L, new EventView(1, "a", 1, 1, 0)), List.of(),
                List.of(new SoldOutAtDoor(1, "eve", 409, "application/problem+json", 1, 1),
                        new SoldOutAtDoor(1, "fay", 409, "application/problem+json", 1, 1)),
                7, List.of());

        assertThat(Summary.eventRows(history)).containsExactly(new EventRow(1, 1, 3, 1, 1, 1, 2, 0),
                new EventRow(2, 5, 2, 1, 0, 0, 0, 1), new EventRow(3, 9, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void rendersMarkdownAndKeyValues() {
        Map<String, String> metrics = Summary.metrics();
        metrics.put("Accepted/s", "2500");
        metrics.put("POST latency p99.9 (ms)", "3.10");

        assertThat(Summary.table(metrics))
            .isEqualTo("| Metric | Value |\n|---|---|\n| Accepted/s | 2500 |\n| POST latency p99.9 (ms) | 3.10 |\n");
        assertThat(Summary.keyValues(metrics)).isEqualTo("accepted_s=2500\npost_latency_p999_ms=3.10\n");
        assertThat(Summary.eventTable(List.of(new EventRow(1, 500, 600, 500, 40, 60, 7, 0))))
            .endsWith("| 1 | 500 | 600 | 500 | 40 | 60 | 7 | 0 |" + System.lineSeparator());
    }

    private static Accepted accepted(long event, long position, String user) {
        return new Accepted(UUID.randomUUID(), event, user, position);
    }

    private static Decision decided(int position, long decidedAfterMillis) {
        return new Decision(UUID.randomUUID(), 1, "u" + position, position, "CONFIRMED", position + 1, null, T0,
                T0.plusMillis(decidedAfterMillis));
    }

    private static Decision pending(int position) {
        return new Decision(UUID.randomUUID(), 1, "u" + position, position, "PENDING", null, null, T0, null);
    }

}
