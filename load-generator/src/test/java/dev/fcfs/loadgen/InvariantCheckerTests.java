package dev.fcfs.loadgen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.History.Decision;
import dev.fcfs.loadgen.History.Refusal;
import dev.fcfs.loadgen.History.SoldOutAtDoor;
import dev.fcfs.loadgen.ReservationApi.EventView;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checker against hand-made histories: a correct one passes, and each way of breaking a promise is reported.
 * Without these, an end-to-end test that passes could just mean a checker that sees nothing.
 */
class InvariantCheckerTests {

    private static final long EVENT = 7;

    /** Event 7 with 2 seats: a1 seat 1, a2 seat 2, a3 duplicate of a1's user, a4 sold out. */
    private final Accepted a1 = accepted(1, "ann");

    private final Accepted a2 = accepted(2, "bob");

    private final Accepted a3 = accepted(3, "ann");

    private final Accepted a4 = accepted(4, "cid");

    @Test
    void acceptsAHistoryThatKeepsEveryPromise() {
        assertThat(InvariantChecker.violations(history(correctDecisions(), 2, List.of()))).isEmpty();
    }

    @Test
    void reportsSeatsHandedOutOutOfLineOrder() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a1.reservationId(), Decision.confirmed(this.a1, 2));
        decisions.put(this.a2.reservationId(), Decision.confirmed(this.a2, 1));

        assertThat(InvariantChecker.violations(history(decisions, 2, List.of()))).anySatisfy(
                (violation) -> assertThat(violation).contains("out of line order")
                    .contains("position 1")
                    .contains("expected CONFIRMED seat 1, got CONFIRMED seat 2"))
            .anySatisfy((violation) -> assertThat(violation).contains("position 2")
                .contains("expected CONFIRMED seat 2, got CONFIRMED seat 1"));
    }

    @Test
    void reportsALaterUserServedBeforeAnEarlierOne() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a2.reservationId(), Decision.rejected(this.a2, "SOLD_OUT"));
        decisions.put(this.a4.reservationId(), Decision.confirmed(this.a4, 2));

        assertThat(InvariantChecker.violations(history(decisions, 2, List.of())))
            .anySatisfy((violation) -> assertThat(violation).contains("position 2")
                .contains("expected CONFIRMED seat 2, got REJECTED/SOLD_OUT"))
            .anySatisfy((violation) -> assertThat(violation).contains("position 4")
                .contains("expected REJECTED/SOLD_OUT, got CONFIRMED seat 2"));
    }

    @Test
    void reportsASeatSoldTwice() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a2.reservationId(), Decision.confirmed(this.a2, 1));

        assertThat(InvariantChecker.violations(history(decisions, 1, List.of())))
            .anySatisfy((violation) -> assertThat(violation).contains("seat sold more than once")
                .contains("seat 1 given to 2 reservations"));
    }

    @Test
    void reportsAnOversoldEvent() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a4.reservationId(), Decision.confirmed(this.a4, 3));

        assertThat(InvariantChecker.violations(history(decisions, 3, List.of())))
            .anySatisfy((violation) -> assertThat(violation).contains("oversold, 3 CONFIRMED for 2 seats"))
            .anySatisfy((violation) -> assertThat(violation).contains("seat number 3 outside 1..2"));
    }

    @Test
    void reportsASecondSeatForTheSameUser() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a2.reservationId(), Decision.rejected(this.a2, "SOLD_OUT"));
        decisions.put(this.a3.reservationId(), Decision.confirmed(this.a3, 2));

        assertThat(InvariantChecker.violations(history(decisions, 2, List.of())))
            .anySatisfy((violation) -> assertThat(violation).contains("position 3")
                .contains("expected REJECTED/DUPLICATE, got CONFIRMED seat 2"))
            .anySatisfy((violation) -> assertThat(violation).contains("user ann holds 2 seats"));
    }

    @Test
    void reportsADuplicateMislabelledAsSoldOut() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a3.reservationId(), Decision.rejected(this.a3, "SOLD_OUT"));

        assertThat(InvariantChecker.violations(history(decisions, 2, List.of()))).singleElement()
            .satisfies((violation) -> assertThat(violation)
                .contains("expected REJECTED/DUPLICATE, got REJECTED/SOLD_OUT"));
    }

    @Test
    void reportsALostRequest() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.remove(this.a2.reservationId());

        assertThat(InvariantChecker.violations(history(decisions, 2, List.of())))
            .anySatisfy((violation) -> assertThat(violation).contains("never decided")
                .contains("lost")
                .contains(this.a2.reservationId().toString()));
    }

    @Test
    void reportsARequestLeftPending() {
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(this.a4.reservationId(), Decision.pending(this.a4));

        assertThat(InvariantChecker.violations(history(decisions, 2, List.of())))
            .anySatisfy((violation) -> assertThat(violation).contains("still PENDING")
                .contains(this.a4.reservationId().toString()));
    }

    @Test
    void reportsReservedCountThatDisagreesWithTheConfirmedReservations() {
        assertThat(InvariantChecker.violations(history(correctDecisions(), 1, List.of())))
            .singleElement()
            .satisfies((violation) -> assertThat(violation).contains("reserved 1")
                .contains("2 reservations are CONFIRMED"));
    }

    @Test
    void reportsAGapInPositions() {
        Accepted late = accepted(6, "dan");
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(late.reservationId(), Decision.rejected(late, "SOLD_OUT"));
        History history = new History(Map.of(EVENT, 2), List.of(this.a1, this.a2, this.a3, this.a4, late), decisions,
                Map.of(EVENT, new EventView(EVENT, "e", 2, 2, 0)), List.of(), List.of(), 5, List.of());

        assertThat(InvariantChecker.violations(history)).singleElement()
            .satisfies((violation) -> assertThat(violation).contains("positions are not exactly 1..5")
                .contains("first missing [5]"));
    }

    @Test
    void reportsAPositionHandedOutTwice() {
        Accepted twin = accepted(4, "eve");
        Map<UUID, Decision> decisions = correctDecisions();
        decisions.put(twin.reservationId(), Decision.rejected(twin, "SOLD_OUT"));
        History history = new History(Map.of(EVENT, 2), List.of(this.a1, this.a2, this.a3, this.a4, twin), decisions,
                Map.of(EVENT, new EventView(EVENT, "e", 2, 2, 0)), List.of(), List.of(), 5, List.of());

        assertThat(InvariantChecker.violations(history))
            .anySatisfy((violation) -> assertThat(violation).contains("position handed out more than once"));
    }

    @Test
    void reportsMalformedRequestsThatWereNotRefusedProperly() {
        List<Refusal> refusals = List.of(new Refusal("blank userId", 202, "application/json", "{}"),
                new Refusal("wrong content type", 415, "application/json", "{}"),
                new Refusal("unknown event", 500, "application/problem+json", "{}"),
                new Refusal("too long", 400, "application/problem+json;charset=UTF-8", "{}"));

        assertThat(InvariantChecker.violations(history(correctDecisions(), 2, refusals))).containsExactly(
                "malformed request (blank userId) was not refused with a 4xx: 202 application/json {}",
                "malformed request (wrong content type) was refused without application/problem+json: "
                        + "415 application/json {}",
                "malformed request (unknown event) was not refused with a 4xx: 500 application/problem+json {}");
    }

    @Test
    void acceptsSoldOutAtTheDoorOnceEverySeatIsTaken() {
        List<SoldOutAtDoor> refusals = List.of(
                new SoldOutAtDoor(EVENT, "fay", 409, "application/problem+json", 2, 2));

        assertThat(InvariantChecker.violations(history(correctDecisions(), 2, List.of(), refusals))).isEmpty();
    }

    @Test
    void reportsSoldOutAtTheDoorWhileSeatsRemained() {
        List<SoldOutAtDoor> refusals = List.of(
                new SoldOutAtDoor(EVENT, "fay", 409, "application/problem+json", 1, 2),
                new SoldOutAtDoor(EVENT, "gus", 409, "application/json", 2, 2));

        assertThat(InvariantChecker.violations(history(correctDecisions(), 2, List.of(), refusals))).containsExactly(
                "event 7 refused user fay as sold out (409) before it was: right after, GET /events/7 showed 1 of 2 "
                        + "seats reserved",
                "event 7 refused user gus as sold out without application/problem+json: application/json");
    }

    @Test
    void reportsValidRequestsThatGotNoAnswerAtAll() {
        History history = new History(Map.of(EVENT, 2), List.of(this.a1, this.a2, this.a3, this.a4),
                correctDecisions(), Map.of(EVENT, new EventView(EVENT, "e", 2, 2, 0)), List.of(), List.of(), 6,
                List.of());

        assertThat(InvariantChecker.violations(history))
            .containsExactly("6 valid requests sent, 4 accepted, 0 sold out at the door: 2 got neither answer");
    }

    @Test
    void reportsFailedValidRequests() {
        History history = new History(Map.of(EVENT, 2), List.of(this.a1, this.a2, this.a3, this.a4),
                correctDecisions(), Map.of(EVENT, new EventView(EVENT, "e", 2, 2, 0)), List.of(), List.of(), 5,
                List.of("POST /events/7/reservations user zed: 503"));

        assertThat(InvariantChecker.violations(history)).containsExactly(
                "valid request failed: POST /events/7/reservations user zed: 503",
                "5 valid requests sent, 4 accepted, 0 sold out at the door: 1 got neither answer");
    }

    private Map<UUID, Decision> correctDecisions() {
        Map<UUID, Decision> decisions = new LinkedHashMap<>();
        decisions.put(this.a1.reservationId(), Decision.confirmed(this.a1, 1));
        decisions.put(this.a2.reservationId(), Decision.confirmed(this.a2, 2));
        decisions.put(this.a3.reservationId(), Decision.rejected(this.a3, "DUPLICATE"));
        decisions.put(this.a4.reservationId(), Decision.rejected(this.a4, "SOLD_OUT"));
        return decisions;
    }

    private History history(Map<UUID, Decision> decisions, int reserved, List<Refusal> refusals) {
        return history(decisions, reserved, refusals, List.of());
    }

    private History history(Map<UUID, Decision> decisions, int reserved, List<Refusal> refusals,
            List<SoldOutAtDoor> soldOutAtDoor) {
        return new History(Map.of(EVENT, 2), new ArrayList<>(List.of(this.a1, this.a2, this.a3, this.a4)), decisions,
                Map.of(EVENT, new EventView(EVENT, "e", 2, reserved, 2 - reserved)), refusals, soldOutAtDoor,
                4 + soldOutAtDoor.size(), List.of());
    }

    private static Accepted accepted(long position, String user) {
        return new Accepted(UUID.randomUUID(), EVENT, user, position);
    }

}
