package dev.fcfs.loadgen;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.History.Decision;
import dev.fcfs.loadgen.History.SoldOutAtDoor;
import org.HdrHistogram.Histogram;

/** The arithmetic of the summary, and its rendering as a markdown table or as {@code key=value} lines. */
final class Summary {

    private Summary() {
    }

    /** One event's outcome. soldOutQueued: accepted, then REJECTED/SOLD_OUT by the worker. */
    record EventRow(long eventId, int capacity, long accepted, long confirmed, long soldOutQueued, long duplicate,
            long refusedAtDoor, long undecided) {
    }

    /** count per second over an interval of nanoseconds; NaN for an empty interval. */
    static double perSecond(long count, long nanos) {
        return (nanos > 0) ? count * 1_000_000_000d / nanos : Double.NaN;
    }

    /**
     * Decisions per second as the worker committed them: count / (latest decidedAt - earliest decidedAt). Empty
     * with fewer than two decisions or when they all carry the same instant.
     */
    static OptionalDouble decisionsPerSecond(Collection<Decision> decisions) {
        Instant first = null;
        Instant last = null;
        long count = 0;
        for (Decision decision : decisions) {
            Instant at = decision.decidedAt();
            if (at == null) {
                continue;
            }
            count++;
            first = (first == null || at.isBefore(first)) ? at : first;
            last = (last == null || at.isAfter(last)) ? at : last;
        }
        if (count < 2 || !last.isAfter(first)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(perSecond(count, Duration.between(first, last).toNanos()));
    }

    /** decidedAt - acceptedAt of every decision that has both, in nanoseconds (negative spans count as 0). */
    static Histogram acceptToDecision(Collection<Decision> decisions) {
        Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        for (Decision decision : decisions) {
            if (decision.acceptedAt() != null && decision.decidedAt() != null) {
                long nanos = Duration.between(decision.acceptedAt(), decision.decidedAt()).toNanos();
                histogram.recordValue(Math.min(Math.max(0, nanos), histogram.getHighestTrackableValue()));
            }
        }
        return histogram;
    }

    /** Per event: capacity, accepted, and how the accepted requests were decided, plus the 409s at the door. */
    static List<EventRow> eventRows(History history) {
        Map<Long, long[]> counts = new TreeMap<>();
        history.capacities().keySet().forEach((id) -> counts.put(id, new long[6]));
        for (Accepted accepted : history.accepted()) {
            long[] row = counts.computeIfAbsent(accepted.eventId(), (id) -> new long[6]);
            row[0]++;
            Decision decision = history.decisions().get(accepted.reservationId());
            if (decision == null || "PENDING".equals(decision.status())) {
                row[5]++;
            }
            else if ("CONFIRMED".equals(decision.status())) {
                row[1]++;
            }
            else if ("SOLD_OUT".equals(decision.reason())) {
                row[2]++;
            }
            else if ("DUPLICATE".equals(decision.reason())) {
                row[3]++;
            }
        }
        for (SoldOutAtDoor refusal : history.soldOutAtDoor()) {
            counts.computeIfAbsent(refusal.eventId(), (id) -> new long[6])[4]++;
        }
        List<EventRow> rows = new ArrayList<>();
        counts.forEach((id, row) -> rows.add(new EventRow(id, history.capacities().getOrDefault(id, 0), row[0],
                row[1], row[2], row[3], row[4], row[5])));
        return rows;
    }

    /** A value of a nanosecond histogram in milliseconds, e.g. "3.21"; "-" if it is empty. */
    static String millis(Histogram nanos, double percentile) {
        if (nanos.getTotalCount() == 0) {
            return "-";
        }
        long value = (percentile >= 100) ? nanos.getMaxValue() : nanos.getValueAtPercentile(percentile);
        return String.format(Locale.ROOT, "%.2f", value / 1_000_000d);
    }

    /** A rate with no decimals, "-" if undefined. */
    static String rate(double perSecond) {
        return (Double.isNaN(perSecond) || Double.isInfinite(perSecond)) ? "-"
                : String.format(Locale.ROOT, "%.0f", perSecond);
    }

    /** Seconds with two decimals, "-" if unknown (negative). */
    static String seconds(long nanos) {
        return (nanos < 0) ? "-" : String.format(Locale.ROOT, "%.2f", nanos / 1_000_000_000d);
    }

    /** The metrics as a two-column markdown table. */
    static String table(Map<String, String> metrics) {
        StringBuilder out = new StringBuilder("| Metric | Value |\n|---|---|\n");
        metrics.forEach((name, value) -> out.append("| ").append(name).append(" | ").append(value).append(" |\n"));
        return out.toString();
    }

    /** The per-event rows as a markdown table. */
    static String eventTable(List<EventRow> rows) {
        StringBuilder out = new StringBuilder(
                "| Event | Capacity | Accepted | Confirmed | Sold out (queued) | Duplicate | Refused at door (409) "
                        + "| Undecided |\n"
                        + "|---|---|---|---|---|---|---|---|\n");
        for (EventRow row : rows) {
            out.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d | %d |%n", row.eventId(),
                    row.capacity(), row.accepted(), row.confirmed(), row.soldOutQueued(), row.duplicate(),
                    row.refusedAtDoor(), row.undecided()));
        }
        return out.toString();
    }

    /** {@code key=value} lines, the key made of the metric name's letters and digits. */
    static String keyValues(Map<String, String> metrics) {
        StringBuilder out = new StringBuilder();
        metrics.forEach((name, value) -> out.append(key(name)).append('=').append(value).append('\n'));
        return out.toString();
    }

    static String key(String name) {
        String key = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "_").replaceAll("^_+|_+$", "");
        return key.replace("p99.9", "p999").replace('.', '_');
    }

    /** An ordered map to fill with metrics. */
    static Map<String, String> metrics() {
        return new LinkedHashMap<>();
    }

}
