package dev.fcfs.producer.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@ExtendWith(OutputCaptureExtension.class)
class AdminTokenTests {

    @Test
    void matchesOnlyTheConfiguredToken() {
        AdminToken token = AdminToken.from(new AdminProperties("0123456789abcdef", null), false);

        assertThat(token.matches("0123456789abcdef")).isTrue();
        assertThat(token.matches("0123456789abcdeF")).isFalse();
        assertThat(token.matches("0123456789abcdef0")).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
    }

    @Test
    void generatesARandomTokenWhenNoneIsConfiguredAndLogsItInFullInPlainTextLogs(CapturedOutput output,
            @TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        AdminToken first = AdminToken.from(new AdminProperties(null, file), false);
        AdminToken second = AdminToken.from(new AdminProperties(" ", dir.resolve("other")), false);

        String line = output.getAll().lines().filter((l) -> l.contains("Using generated admin token: ")).findFirst()
            .orElseThrow();
        assertThat(line).contains("WARN").contains(file.toString());
        String generated = line.substring(line.indexOf("token: ") + 7).split(" ")[0];
        assertThat(generated).hasSizeGreaterThanOrEqualTo(40);
        assertThat(first.matches(generated)).isTrue();
        assertThat(second.matches(generated)).isFalse();
        assertThat(Files.readString(file).strip()).isEqualTo(generated);
    }

    @Test
    void keepsAGeneratedTokenOutOfStructuredLogsAndInAFileOnlyItsUserCanRead(CapturedOutput output,
            @TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");

        AdminToken token = AdminToken.from(new AdminProperties(null, file), true);

        String generated = Files.readString(file).strip();
        assertThat(token.matches(generated)).isTrue();
        assertThat(output.getAll()).doesNotContain(generated)
            .contains("starting '" + generated.substring(0, 4) + "'")
            .contains("read it from " + file);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
    }

    @Test
    void refusesAShortConfiguredToken() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> AdminToken.from(new AdminProperties("short", null), false))
            .withMessageContaining("reservation.admin.token");
    }

    @Test
    void refusesAConfiguredTokenThatCannotBeSentAsABearerToken() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> AdminToken.from(new AdminProperties("0123456789 abcdef", null), false))
            .withMessageContaining("RFC 6750");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> AdminToken.from(new AdminProperties("0123456789abcdef!", null), false));
        assertThat(AdminToken.from(new AdminProperties("0123-4567.89_ab~c+d/e==", null), false)
            .matches("0123-4567.89_ab~c+d/e=="))
            .isTrue();
    }

}
