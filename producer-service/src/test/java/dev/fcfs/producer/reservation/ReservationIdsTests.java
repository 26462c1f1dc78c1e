package dev.fcfs.producer.reservation;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ReservationIdsTests {

    @Test
    void parsesTheCanonicalFormInEitherCase() {
        UUID id = UUID.randomUUID();

        assertThat(ReservationIds.parse(id.toString())).isEqualTo(id);
        assertThat(ReservationIds.parse(id.toString().toUpperCase())).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "not-a-uuid", "1-1-1-1-1", "0a5f1d2e-0000-8000-8000-00000000000",
            "0a5f1d2e-0000-8000-8000-0000000000000", "0a5f1d2e00000-8000-8000-00000000000",
            "0a5f1d2g-0000-8000-8000-000000000000", "0a5f1d2e-0000-8000-8000+000000000000",
            "0a5f1d2e-0000-8000-8000-00000000000\u0663", "{a5f1d2e-0000-8000-8000-000000000000}" })
    void refusesAnythingElseWith400(String text) {
        assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> ReservationIds.parse(text))
            .satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(400));
    }

}
