package dev.fcfs.shared.reservation;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ReservationIdTests {

    @Test
    void carriesTheEventIdOfItsReservation() {
        for (long eventId : new long[] { 1, 42, 1L << 40, ReservationId.MAX_EVENT_ID }) {
            assertThat(ReservationId.eventIdOf(ReservationId.newFor(eventId))).hasValue(eventId);
        }
    }

    @Test
    void isAVersion8Rfc9562Uuid() {
        UUID id = ReservationId.newFor(42);

        assertThat(id.version()).isEqualTo(8);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(UUID.fromString(id.toString())).isEqualTo(id);
    }

    @Test
    void differsEveryTimeForTheSameEvent() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(ReservationId.newFor(7));
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void carriesNoEventIdForOtherUuids() {
        assertThat(ReservationId.eventIdOf(UUID.randomUUID())).isEmpty();
        assertThat(ReservationId.eventIdOf(new UUID(0x8000L, 0x8000000000000000L))).isEmpty();
    }

    @Test
    void refusesEventIdsOutsideItsLayout() {
        assertThatIllegalArgumentException().isThrownBy(() -> ReservationId.newFor(0));
        assertThatIllegalArgumentException().isThrownBy(() -> ReservationId.newFor(ReservationId.MAX_EVENT_ID + 1));
    }

}
