package dev.fcfs.producer.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@ExtendWith(OutputCaptureExtension.class)
class AdminTokenTests {

    @Test
    void matchesOnlyTheConfiguredToken() {
        AdminToken token = AdminToken.from(new AdminProperties("0123456789abcdef"));

        assertThat(token.matches("0123456789abcdef")).isTrue();
        assertThat(token.matches("0123456789abcdeF")).isFalse();
        assertThat(token.matches("0123456789abcdef0")).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
    }

    @Test
    void generatesAndLogsARandomTokenWhenNoneIsConfigured(CapturedOutput output) {
        AdminToken first = AdminToken.from(new AdminProperties(null));
        AdminToken second = AdminToken.from(new AdminProperties(" "));

        String line = output.getAll().lines().filter((l) -> l.contains("Using generated admin token: ")).findFirst()
            .orElseThrow();
        assertThat(line).contains("WARN");
        String generated = line.substring(line.indexOf("token: ") + 7).split(" ")[0];
        assertThat(generated).hasSizeGreaterThanOrEqualTo(40);
        assertThat(first.matches(generated)).isTrue();
        assertThat(second.matches(generated)).isFalse();
    }

    @Test
    void refusesAShortConfiguredToken() {
        assertThatIllegalArgumentException().isThrownBy(() -> AdminToken.from(new AdminProperties("short")))
            .withMessageContaining("reservation.admin.token");
    }

    @Test
    void refusesAConfiguredTokenThatCannotBeSentAsABearerToken() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> AdminToken.from(new AdminProperties("0123456789 abcdef")))
            .withMessageContaining("RFC 6750");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> AdminToken.from(new AdminProperties("0123456789abcdef!")));
        assertThat(AdminToken.from(new AdminProperties("0123-4567.89_ab~c+d/e==")).matches("0123-4567.89_ab~c+d/e=="))
            .isTrue();
    }

}
