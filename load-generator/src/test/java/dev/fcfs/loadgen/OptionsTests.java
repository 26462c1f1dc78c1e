package dev.fcfs.loadgen;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.fcfs.loadgen.Options.UsageException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OptionsTests {

    @Test
    void defaultsToAClosedLoopBurstOnThreeNewEvents() {
        Options options = Options.parseWithToken(null);

        assertThat(options.url()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(options.createEvents()).containsExactly(500, 100, 2000);
        assertThat(options.eventIds()).isEmpty();
        assertThat(options.requests()).isEqualTo(20_000);
        assertThat(options.users()).isEqualTo(15_000);
        assertThat(options.concurrency()).isEqualTo(200);
        assertThat(options.malformed()).isEqualTo(200);
        assertThat(options.openLoop()).isFalse();
        assertThat(options.await()).isTrue();
        assertThat(options.checksInvariants()).isTrue();
        assertThat(options.report()).isNull();
        assertThat(options.adminToken()).isNull();
        assertThat(options.progress()).as("chosen by whether stderr is a terminal").isNull();
    }

    @Test
    void readsOptionsWrittenWithAnEqualsSign() {
        Options options = Options.parseWithToken(null, "--progress=off", "--requests=7", "--url=http://h:1/a=b");

        assertThat(options.progress()).isEqualTo(Progress.Mode.OFF);
        assertThat(options.requests()).isEqualTo(7);
        assertThat(options.url()).isEqualTo(URI.create("http://h:1/a=b/"));
        assertThat(Options.parseWithToken(null, "--progress", "TTY").progress()).isEqualTo(Progress.Mode.TTY);
    }

    @Test
    void takesTheAdminTokenFromTheEnvironmentUnlessGiven() {
        assertThat(Options.parseWithToken("from-env-token-123").adminToken()).isEqualTo("from-env-token-123");
        assertThat(Options.parseWithToken("from-env-token-123", "--admin-token", "given").adminToken())
            .isEqualTo("given");
        assertThat(Options.parseWithToken(" ").adminToken()).isNull();
    }

    @Test
    void readsEveryOption() {
        Options options = Options.parseWithToken(null, "--url", "http://localhost:9090", "--create-events", "5, 10",
                "--requests", "300", "--users", "40", "--concurrency", "8", "--malformed", "0", "--replays", "3",
                "--rate", "2500.5", "--seed", "42", "--no-wait", "--wait-timeout", "7", "--report", "out.txt",
                "--admin-token", "s3cret", "--progress", "lines", "--user-tokens", "tokens.txt");

        assertThat(options).isEqualTo(new Options(URI.create("http://localhost:9090/"), List.of(5, 10), List.of(),
                300, 40, 8, 0, 3, 2500.5, 42, false, Duration.ofSeconds(7), Path.of("out.txt"), "s3cret",
                Progress.Mode.LINES, Path.of("tokens.txt")));
        assertThat(options.openLoop()).isTrue();
        assertThat(options.checksInvariants()).isFalse();
    }

    @Test
    void existingEventsReplaceTheDefaultEventsAndSkipTheInvariantCheck() {
        Options options = Options.parseWithToken(null, "--event-ids", "1,2");

        assertThat(options.eventIds()).containsExactly(1L, 2L);
        assertThat(options.createEvents()).isEmpty();
        assertThat(options.checksInvariants()).isFalse();
    }

    @Test
    void refusesBadCommandLines() {
        assertUsage("unknown argument --bogus", "--bogus", "1");
        assertUsage("missing value for --requests", "--requests");
        assertUsage("bad value for --requests: many", "--requests", "many");
        assertUsage("--concurrency must be at least 1, not 0", "--concurrency", "0");
        assertUsage("--users must be at least 1, not 0", "--users", "0");
        assertUsage("--rate must be a positive number", "--rate", "0");
        assertUsage("--rate must be a positive number", "--rate", "NaN");
        assertUsage("--create-events takes positive numbers, not 0", "--create-events", "5,0");
        assertUsage("bad value for --url: ftp://x", "--url", "ftp://x");
        assertUsage("either --create-events or --event-ids", "--create-events", "5", "--event-ids", "1");
        assertUsage("bad value for --progress: fancy", "--progress", "fancy");
        assertUsage("bad value for --progress: ", "--progress=");
        assertUsage("--no-wait takes no value", "--no-wait=yes");
    }

    private static void assertUsage(String message, String... args) {
        assertThatExceptionOfType(UsageException.class).isThrownBy(() -> Options.parseWithToken(null, args))
            .withMessageContaining(message);
    }

}
