package dev.fcfs.producer.reservation;

import dev.fcfs.testsupport.fuzz.Gen;
import dev.fcfs.testsupport.fuzz.Property;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The resolver's shortcut past the validator never lets through a user id the declared constraints refuse. */
class ReservationRequestResolverTests {

    private static final ValidatorFactory FACTORY = Validation.buildDefaultValidatorFactory();

    private final Validator validator = FACTORY.getValidator();

    @AfterAll
    static void close() {
        FACTORY.close();
    }

    @Test
    void aPlainlyValidUserIdIsOneTheValidatorAccepts() {
        Property.forAll(5000, (random) -> Gen.oneOf(random, Gen.anyString(random, 80), Gen.validText(random, 70),
                "u".repeat(64), "u".repeat(65), "", " ", "a b", "\u00e9", "a\u0000", "\u2003"), (userId) -> {
                    ReservationRequest request = new ReservationRequest(userId);
                    if (ReservationRequestResolver.plainlyValid(request)) {
                        assertThat(this.validator.validate(request)).as(Property.show(userId)).isEmpty();
                    }
                });
    }

    @Test
    void takesTheShortcutForTheUsualUserIds() {
        assertThat(ReservationRequestResolver.plainlyValid(new ReservationRequest("u-123"))).isTrue();
        assertThat(ReservationRequestResolver.plainlyValid(new ReservationRequest("alice@example.com"))).isTrue();
        assertThat(ReservationRequestResolver.plainlyValid(new ReservationRequest("u".repeat(64)))).isTrue();
        assertThat(ReservationRequestResolver.plainlyValid(new ReservationRequest("u".repeat(65)))).isFalse();
        assertThat(ReservationRequestResolver.plainlyValid(new ReservationRequest(""))).isFalse();
        assertThat(ReservationRequestResolver.plainlyValid(new ReservationRequest(null))).isFalse();
    }

}
