package dev.fcfs.e2e;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.fcfs.loadgen.History;
import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.History.Decision;

/**
 * The numbers of one scenario's row in the fault report, counted from what the API answered ({@link History}) and,
 * for decisions nobody was told about, from PostgreSQL. {@link dev.fcfs.loadgen.InvariantChecker} says
 * <em>what</em> is wrong; this says <em>how much</em>, with the same line-order replay as reference.
 *
 * @param sent requests the scenario sent: valid ones (a request sent twice with one idempotency key once) and bad
 * ones, not counting resends after 429/503
 * @param accepted valid requests answered 202 (distinct reservations)
 * @param decided accepted reservations that read back CONFIRMED or REJECTED
 * @param lost accepted reservations that read back PENDING or not at all
 * @param oversold CONFIRMED seats beyond an event's capacity, plus seats given to more than one reservation
 * @param orderViolations decided reservations whose outcome differs from the replay of the rules in line order
 * (first request of a user gets the next seat while seats remain, later ones are DUPLICATE)
 * @param duplicates positions handed out twice, users holding more than one seat of an event, and decisions in
 * PostgreSQL for the scenario's events beyond the accepted reservations (a job decided twice, or decided without
 * its 202)
 */
record Tally(long sent, long accepted, long decided, long lost, long oversold, long orderViolations,
        long duplicates) {

    /**
     * @param sent what the scenario sent (see the record)
     * @param rowsInDatabase reservations PostgreSQL holds for the scenario's events
     */
    static Tally of(History history, long sent, long rowsInDatabase) {
        Map<Long, List<Accepted>> lines = new HashMap<>();
        for (Accepted accepted : history.accepted()) {
            lines.computeIfAbsent(accepted.eventId(), (id) -> new ArrayList<>()).add(accepted);
        }
        long decided = 0;
        long oversold = 0;
        long orderViolations = 0;
        long duplicates = 0;
        for (Map.Entry<Long, List<Accepted>> entry : lines.entrySet()) {
            int capacity = history.capacities().getOrDefault(entry.getKey(), 0);
            List<Accepted> line = new ArrayList<>(entry.getValue());
            line.sort(Comparator.comparingLong(Accepted::position)
                .thenComparing((accepted) -> accepted.reservationId().toString()));
            Set<Long> positions = new HashSet<>();
            Set<String> users = new HashSet<>();
            Map<Integer, Integer> holdersBySeat = new HashMap<>();
            Map<String, Integer> seatsByUser = new HashMap<>();
            int nextSeat = 1;
            int confirmed = 0;
            for (Accepted accepted : line) {
                if (!positions.add(accepted.position())) {
                    duplicates++;
                }
                String expected;
                if (!users.add(accepted.userId())) {
                    expected = "REJECTED/DUPLICATE";
                }
                else if (nextSeat <= capacity) {
                    expected = "CONFIRMED seat " + nextSeat++;
                }
                else {
                    expected = "REJECTED/SOLD_OUT";
                }
                Decision decision = history.decisions().get(accepted.reservationId());
                if (decision == null || "PENDING".equals(decision.status())) {
                    continue;
                }
                decided++;
                if (!expected.equals(decision.outcome())) {
                    orderViolations++;
                }
                if ("CONFIRMED".equals(decision.status())) {
                    confirmed++;
                    int seat = (decision.seatNumber() != null) ? decision.seatNumber() : -1;
                    if (holdersBySeat.merge(seat, 1, Integer::sum) > 1) {
                        oversold++;
                    }
                    if (seatsByUser.merge(decision.userId(), 1, Integer::sum) > 1) {
                        duplicates++;
                    }
                }
            }
            oversold += Math.max(0, confirmed - capacity);
        }
        long accepted = history.accepted().size();
        duplicates += Math.max(0, rowsInDatabase - accepted);
        return new Tally(sent, accepted, decided, accepted - decided, oversold, orderViolations, duplicates);
    }

}
