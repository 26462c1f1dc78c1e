package dev.fcfs.loadgen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.LiveDecisions.Counts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LiveDecisionsTests {

    /** Reservation id to its event and position. */
    private final Map<UUID, Accepted> byId = new HashMap<>();

    private final List<Accepted> accepted = new ArrayList<>();

    /** Per event, the highest decided position. */
    private final Map<Long, Long> decidedUpTo = new HashMap<>();

    private final List<Long> reads = new ArrayList<>();

    private final LiveDecisions live = new LiveDecisions(() -> List.copyOf(this.accepted), List.of(1L, 2L),
            this::isDecided, (event) -> 10 * event);

    @Test
    void countsEveryReservationUpToTheLastOneReadBackDecided() {
        accept(1, 100);
        this.decidedUpTo.put(1L, 37L);

        assertThat(this.live.poll()).isEqualTo(new Counts(37, 30));
    }

    @Test
    void readsAboutTheLogarithmOfTheLineAtEachPoll() {
        accept(1, 1000);
        this.decidedUpTo.put(1L, 612L);

        assertThat(this.live.decided()).isEqualTo(612);
        // the last in line, then a binary search over the other 999: at most 1 + ceil(log2(1000))
        assertThat(this.reads).hasSizeLessThanOrEqualTo(11);
    }

    @Test
    void neverReadsAgainWhatWasReadDecided() {
        accept(1, 1000);
        this.decidedUpTo.put(1L, 500L);
        this.live.decided();
        this.reads.clear();
        this.decidedUpTo.put(1L, 800L);

        assertThat(this.live.decided()).isEqualTo(800);
        assertThat(this.reads).isNotEmpty().allSatisfy((position) -> assertThat(position).isGreaterThan(500));
    }

    @Test
    void countsEachEventsLineOnItsOwn() {
        accept(1, 50);
        accept(2, 20);
        this.decidedUpTo.put(1L, 50L);
        this.decidedUpTo.put(2L, 3L);

        assertThat(this.live.poll()).isEqualTo(new Counts(53, 30));
    }

    @Test
    void nothingDecidedYetCountsNone() {
        accept(1, 64);

        assertThat(this.live.decided()).isZero();
        assertThat(new LiveDecisions(List::of, List.of(), (id) -> true, (event) -> 0).poll())
            .isEqualTo(new Counts(0, 0));
    }

    /** Accepts positions 1..count of the event, in a shuffled order as concurrent answers arrive. */
    private void accept(long event, int count) {
        List<Accepted> line = new ArrayList<>();
        for (int position = 1; position <= count; position++) {
            line.add(new Accepted(UUID.randomUUID(), event, "u" + position, position));
        }
        Collections.shuffle(line, new Random(event));
        line.forEach((reservation) -> this.byId.put(reservation.reservationId(), reservation));
        this.accepted.addAll(line);
    }

    private boolean isDecided(UUID id) {
        Accepted reservation = this.byId.get(id);
        this.reads.add(reservation.position());
        return reservation.position() <= this.decidedUpTo.getOrDefault(reservation.eventId(), 0L);
    }

}
