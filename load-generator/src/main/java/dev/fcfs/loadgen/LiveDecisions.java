package dev.fcfs.loadgen;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import dev.fcfs.loadgen.History.Accepted;

/**
 * How many of the reservations accepted so far are decided, and how many seats are confirmed, read while the burst
 * is still running, with a number of reads that grows with the logarithm of the accepted count.
 *
 * <p>Confirmed is the sum of {@code reserved} over the events, as {@code GET /events/{id}} shows it. Decided rests on
 * the worker deciding each event's line in position order (docs/architecture.md, "Deciding a batch"): per event it
 * binary-searches the accepted reservations, by position, for the last one that reads back decided, and counts
 * every accepted reservation up to it. The final figures never come from here: they read every reservation back.
 */
final class LiveDecisions {

    private final Supplier<? extends Collection<Accepted>> accepted;

    private final Collection<Long> events;

    private final Predicate<UUID> isDecided;

    private final ToLongFunction<Long> reserved;

    /** Per event, the highest position read back decided: nothing at or below it is read again. */
    private final Map<Long, Long> frontiers = new HashMap<>();

    /**
     * @param accepted the reservations accepted so far
     * @param events the events whose seats count as confirmed
     * @param isDecided whether a reservation reads back decided (false when unreadable)
     * @param reserved an event's confirmed seats
     */
    LiveDecisions(Supplier<? extends Collection<Accepted>> accepted, Collection<Long> events,
            Predicate<UUID> isDecided, ToLongFunction<Long> reserved) {
        this.accepted = accepted;
        this.events = List.copyOf(events);
        this.isDecided = isDecided;
        this.reserved = reserved;
    }

    /** Reads decided and confirmed from the producer through the driver's API. */
    static LiveDecisions of(LoadDriver driver) {
        ReservationApi api = driver.api();
        return new LiveDecisions(driver::accepted, driver.eventIds(), (id) -> {
            ReservationApi.Answer answer = api.reservation(id);
            return answer.status() == 200 && !"PENDING".equals(answer.json().path("status").asString("PENDING"));
        }, (event) -> api.event(event).reserved());
    }

    /** What one poll saw. */
    record Counts(long decided, long confirmed) {
    }

    /** Polls once; not thread-safe (one poller). */
    Counts poll() {
        return new Counts(decided(), confirmed());
    }

    /** Sum of {@code reserved} over the events. */
    long confirmed() {
        long sum = 0;
        for (long event : this.events) {
            sum += this.reserved.applyAsLong(event);
        }
        return sum;
    }

    /** Accepted reservations decided so far, assuming each event is decided in position order. */
    long decided() {
        Map<Long, List<Accepted>> lines = new HashMap<>();
        for (Accepted reservation : this.accepted.get()) {
            lines.computeIfAbsent(reservation.eventId(), (event) -> new ArrayList<>()).add(reservation);
        }
        long decided = 0;
        for (Map.Entry<Long, List<Accepted>> line : lines.entrySet()) {
            List<Accepted> byPosition = line.getValue();
            byPosition.sort(Comparator.comparingLong(Accepted::position));
            decided += decidedIn(line.getKey(), byPosition);
        }
        return decided;
    }

    /** How many of one event's line (sorted by position) are decided; reads about log2 of the undecided. */
    private int decidedIn(long event, List<Accepted> line) {
        long frontier = this.frontiers.getOrDefault(event, 0L);
        // Invariant: every index <= known is decided, every index >= undecided is not.
        int known = countAtOrBelow(line, frontier) - 1;
        int undecided = line.size();
        if (known + 1 < undecided && read(line.get(undecided - 1))) {
            known = undecided - 1;
        }
        else if (known + 1 < undecided) {
            undecided--;
        }
        while (known + 1 < undecided) {
            int middle = (known + undecided) >>> 1;
            if (read(line.get(middle))) {
                known = middle;
            }
            else {
                undecided = middle;
            }
        }
        if (known >= 0) {
            this.frontiers.put(event, Math.max(frontier, line.get(known).position()));
        }
        return known + 1;
    }

    private boolean read(Accepted reservation) {
        return this.isDecided.test(reservation.reservationId());
    }

    private static int countAtOrBelow(List<Accepted> line, long position) {
        int low = 0;
        int high = line.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (line.get(middle).position() <= position) {
                low = middle + 1;
            }
            else {
                high = middle;
            }
        }
        return low;
    }

}
