package dev.fcfs.producer.reservation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class IdempotencyKeysTests {

    @Test
    void acceptsAnAbsentKeyAndVisibleAsciiUpTo255Characters() {
        assertThatNoException().isThrownBy(() -> {
            IdempotencyKeys.check(null);
            IdempotencyKeys.check("a");
            IdempotencyKeys.check("!~{}:*" + "k".repeat(249));
            IdempotencyKeys.check("550e8400-e29b-41d4-a716-446655440000");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = { "", " ", "a b", "tab\there", "é", "new\nline", "\u007f" })
    void refusesEmptyOrInvisibleOrNonAsciiKeys(String key) {
        assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> IdempotencyKeys.check(key));
    }

    @Test
    void refusesKeysLongerThan255Characters() {
        assertThatExceptionOfType(ErrorResponseException.class)
            .isThrownBy(() -> IdempotencyKeys.check("k".repeat(256)));
    }

}
