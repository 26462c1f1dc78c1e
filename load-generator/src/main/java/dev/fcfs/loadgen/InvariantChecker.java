package dev.fcfs.loadgen;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.History.Decision;
import dev.fcfs.loadgen.History.Refusal;
import dev.fcfs.loadgen.History.SoldOutAtDoor;
import dev.fcfs.loadgen.ReservationApi.EventView;

/**
 * Checks a {@link History} against every promise the service makes, and describes each broken one.
 *
 * <p>The reference is a replay of the rules in line order: walking an event's accepted requests by position, a
 * user's first request gets the next seat (1, 2, 3, ...) while seats remain and is REJECTED/SOLD_OUT after that;
 * any later request of the same user is REJECTED/DUPLICATE. Independent checks (seat numbers unique and within
 * capacity, no oversell, one seat per user, {@code reserved} matching the confirmed count, positions exactly
 * 1..n) name the broken promise directly, even where the replay already disagrees.
 */
public final class InvariantChecker {

    /** Per kind of violation and event, how many are spelled out before the rest is only counted. */
    private static final int DETAIL_LIMIT = 25;

    private InvariantChecker() {
    }

    /** Every violation found, one line each; empty if the history keeps every promise. */
    public static List<String> violations(History history) {
        List<String> violations = new ArrayList<>();
        history.failures().forEach((failure) -> violations.add("valid request failed: " + failure));
        checkRefusals(history.refusals(), violations);
        checkSoldOutAtDoor(history.soldOutAtDoor(), violations);
        long answered = history.accepted().size() + history.soldOutAtDoor().size();
        if (answered != history.validRequests()) {
            violations.add(history.validRequests() + " valid requests sent, " + history.accepted().size()
                    + " accepted, " + history.soldOutAtDoor().size() + " sold out at the door: "
                    + (history.validRequests() - answered) + " got neither answer");
        }
        Map<Long, List<Accepted>> byEvent = new TreeMap<>();
        for (Accepted accepted : history.accepted()) {
            if (!history.capacities().containsKey(accepted.eventId())) {
                violations.add("accepted a reservation for event " + accepted.eventId()
                        + ", which the test never created: " + accepted);
                continue;
            }
            byEvent.computeIfAbsent(accepted.eventId(), (id) -> new ArrayList<>()).add(accepted);
        }
        for (Map.Entry<Long, Integer> event : new TreeMap<>(history.capacities()).entrySet()) {
            List<Accepted> line = new ArrayList<>(byEvent.getOrDefault(event.getKey(), List.of()));
            line.sort(Comparator.comparingLong(Accepted::position)
                .thenComparing((accepted) -> accepted.reservationId().toString()));
            checkEvent(event.getKey(), event.getValue(), line, history.decisions(),
                    history.events().get(event.getKey()), violations);
        }
        return violations;
    }

    /** A one-line summary of a history: requests, outcomes and events. */
    public static String summary(History history) {
        Map<String, Long> outcomes = history.decisions()
            .values()
            .stream()
            .collect(Collectors.groupingBy(
                    (decision) -> "CONFIRMED".equals(decision.status()) ? "CONFIRMED"
                            : decision.status() + ((decision.reason() != null) ? "/" + decision.reason() : ""),
                    TreeMap::new, Collectors.counting()));
        Map<Integer, Long> refusals = history.refusals()
            .stream()
            .collect(Collectors.groupingBy(Refusal::status, TreeMap::new, Collectors.counting()));
        return history.validRequests() + " valid requests: " + history.accepted().size() + " accepted, "
                + history.soldOutAtDoor().size() + " sold out at the door (409); " + history.refusals().size()
                + " malformed answered " + refusals + "; " + history.failures().size() + " failures; outcomes "
                + outcomes + "; events " + history.events().values();
    }

    private static void checkRefusals(List<Refusal> refusals, List<String> violations) {
        for (Refusal refusal : refusals) {
            if (refusal.status() < 400 || refusal.status() > 499) {
                violations.add("malformed request (" + refusal.description() + ") was not refused with a 4xx: "
                        + describe(refusal));
            }
            else if (refusal.contentType() == null || !refusal.contentType()
                .toLowerCase(Locale.ROOT)
                .startsWith(ReservationApi.PROBLEM_JSON)) {
                violations.add("malformed request (" + refusal.description()
                        + ") was refused without application/problem+json: " + describe(refusal));
            }
        }
    }

    private static void checkSoldOutAtDoor(List<SoldOutAtDoor> refusals, List<String> violations) {
        for (SoldOutAtDoor refusal : refusals) {
            if (refusal.reservedAfter() < refusal.capacityAfter()) {
                violations.add("event " + refusal.eventId() + " refused user " + refusal.userId() + " as sold out ("
                        + refusal.status() + ") before it was: right after, GET /events/" + refusal.eventId()
                        + " showed " + refusal.reservedAfter() + " of " + refusal.capacityAfter() + " seats reserved");
            }
            if (refusal.contentType() == null
                    || !refusal.contentType().toLowerCase(Locale.ROOT).startsWith(ReservationApi.PROBLEM_JSON)) {
                violations.add("event " + refusal.eventId() + " refused user " + refusal.userId()
                        + " as sold out without application/problem+json: " + refusal.contentType());
            }
        }
    }

    private static void checkEvent(long eventId, int capacity, List<Accepted> line, Map<UUID, Decision> decisions,
            EventView view, List<String> violations) {
        String event = "event " + eventId + " (capacity " + capacity + ")";
        checkPositions(event, line, violations);

        Limited replay = new Limited(event + ": decision out of line order", violations);
        Limited lost = new Limited(event + ": accepted reservation never decided", violations);
        Set<String> usersSeen = new HashSet<>();
        int nextSeat = 1;
        Map<Integer, List<Accepted>> seats = new TreeMap<>();
        Map<String, Integer> seatsPerUser = new TreeMap<>();
        int confirmed = 0;
        for (Accepted accepted : line) {
            String expected;
            if (!usersSeen.add(accepted.userId())) {
                expected = "REJECTED/DUPLICATE";
            }
            else if (nextSeat <= capacity) {
                expected = "CONFIRMED seat " + nextSeat;
                nextSeat++;
            }
            else {
                expected = "REJECTED/SOLD_OUT";
            }
            Decision decision = decisions.get(accepted.reservationId());
            if (decision == null) {
                lost.add("lost: " + accepted + " cannot be read back");
                continue;
            }
            if ("PENDING".equals(decision.status())) {
                lost.add("still PENDING: " + accepted);
                continue;
            }
            if (decision.eventId() != accepted.eventId() || !Objects.equals(decision.userId(), accepted.userId())
                    || decision.position() != accepted.position()) {
                violations.add(event + ": reservation " + accepted.reservationId() + " was accepted as " + accepted
                        + " but reads back as " + decision);
            }
            if (!expected.equals(decision.outcome())) {
                replay.add("position " + accepted.position() + " (user " + accepted.userId() + ", reservation "
                        + accepted.reservationId() + "): expected " + expected + ", got " + decision.outcome());
            }
            if ("CONFIRMED".equals(decision.status())) {
                confirmed++;
                seatsPerUser.merge(accepted.userId(), 1, Integer::sum);
                Integer seat = decision.seatNumber();
                if (seat == null || seat < 1 || seat > capacity) {
                    violations.add(event + ": seat number " + seat + " outside 1.." + capacity + " for " + decision);
                }
                else {
                    seats.computeIfAbsent(seat, (s) -> new ArrayList<>()).add(accepted);
                }
            }
        }
        replay.close();
        lost.close();

        Limited doubleSold = new Limited(event + ": seat sold more than once", violations);
        seats.forEach((seat, holders) -> {
            if (holders.size() > 1) {
                doubleSold.add("seat " + seat + " given to " + holders.size() + " reservations: " + holders);
            }
        });
        doubleSold.close();
        if (confirmed > capacity) {
            violations.add(event + ": oversold, " + confirmed + " CONFIRMED for " + capacity + " seats");
        }
        Limited greedy = new Limited(event + ": user holds more than one seat", violations);
        seatsPerUser.forEach((user, count) -> {
            if (count > 1) {
                greedy.add("user " + user + " holds " + count + " seats");
            }
        });
        greedy.close();

        if (view == null) {
            violations.add(event + ": GET /events/" + eventId + " could not be read");
        }
        else if (view.capacity() != capacity || view.reserved() != confirmed
                || view.remaining() != capacity - confirmed) {
            violations.add(event + ": GET /events/" + eventId + " shows capacity " + view.capacity() + ", reserved "
                    + view.reserved() + ", remaining " + view.remaining() + " but " + confirmed
                    + " reservations are CONFIRMED (expected reserved " + confirmed + ", remaining "
                    + (capacity - confirmed) + ")");
        }
    }

    /** Positions of the 202s must be exactly 1..n: unique, no gaps, nothing consumed by a refused request. */
    private static void checkPositions(String event, List<Accepted> line, List<String> violations) {
        Map<Long, List<Accepted>> byPosition = new LinkedHashMap<>();
        for (Accepted accepted : line) {
            byPosition.computeIfAbsent(accepted.position(), (p) -> new ArrayList<>()).add(accepted);
        }
        Limited duplicates = new Limited(event + ": position handed out more than once", violations);
        byPosition.forEach((position, holders) -> {
            if (holders.size() > 1) {
                duplicates.add("position " + position + " given to " + holders);
            }
        });
        duplicates.close();
        long max = line.stream().mapToLong(Accepted::position).max().orElse(0);
        long min = line.stream().mapToLong(Accepted::position).min().orElse(1);
        if (max != line.size() || min < 1 || byPosition.size() != line.size()) {
            TreeSet<Long> missing = new TreeSet<>();
            for (long p = 1; p <= max && missing.size() < DETAIL_LIMIT; p++) {
                if (!byPosition.containsKey(p)) {
                    missing.add(p);
                }
            }
            violations.add(event + ": positions are not exactly 1.." + line.size() + " (" + line.size()
                    + " requests accepted): lowest " + min + ", highest " + max + ", " + byPosition.size()
                    + " distinct, first missing " + missing
                    + " (a gap means a position was consumed by a request that got no 202)");
        }
    }

    private static String describe(Refusal refusal) {
        String body = (refusal.body() == null) ? "" : refusal.body();
        return refusal.status() + " " + refusal.contentType() + " "
                + ((body.length() > 200) ? body.substring(0, 200) + "..." : body);
    }

    /** Adds the first few violations of one kind, then counts the rest in one line. */
    private static final class Limited {

        private final String heading;

        private final List<String> sink;

        private int count;

        Limited(String heading, List<String> sink) {
            this.heading = heading;
            this.sink = sink;
        }

        void add(String detail) {
            this.count++;
            if (this.count <= DETAIL_LIMIT) {
                this.sink.add(this.heading + ": " + detail);
            }
        }

        void close() {
            if (this.count > DETAIL_LIMIT) {
                this.sink.add(this.heading + ": ... and " + (this.count - DETAIL_LIMIT) + " more (" + this.count
                        + " in all)");
            }
        }

    }

}
