package dev.fcfs.loadgen;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.fcfs.loadgen.Progress.Mode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTests {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private final PrintStream out = new PrintStream(this.bytes, true, StandardCharsets.UTF_8);

    @Test
    void printsOneLinePerIntervalWhenNotATerminal() {
        Progress progress = new Progress(Progress.choose(null, false), this.out);

        progress.update("1.0s | sent 10");
        progress.update("2.0s | sent 20");
        progress.finish("2.5s | sent 25");

        String nl = System.lineSeparator();
        assertThat(printed()).isEqualTo("1.0s | sent 10" + nl + "2.0s | sent 20" + nl + "2.5s | sent 25" + nl)
            .doesNotContain("\r");
        assertThat(progress.mode().interval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void rewritesOneLineInPlaceOnATerminal() {
        Progress progress = new Progress(Progress.choose(null, true), this.out);

        progress.update("1.0s | sent 10000");
        progress.update("2.0s | sent 2");
        assertThat(printed()).isEqualTo("\r1.0s | sent 10000\r2.0s | sent 2    ").doesNotContain("\n");

        progress.finish("3.0s | sent 30");
        assertThat(printed()).endsWith("\r2.0s | sent 2    \r3.0s | sent 30" + System.lineSeparator());
    }

    @Test
    void printsNothingWhenOff() {
        Progress progress = new Progress(Mode.OFF, this.out);

        progress.update("1.0s | sent 10");
        progress.finish("2.0s | sent 20");

        assertThat(printed()).isEmpty();
    }

    @Test
    void aModeAskedForWinsOverWhatTheTerminalSuggests() {
        assertThat(Progress.choose(null, true)).isEqualTo(Mode.TTY);
        assertThat(Progress.choose(null, false)).isEqualTo(Mode.LINES);
        assertThat(Progress.choose(Mode.TTY, false)).isEqualTo(Mode.TTY);
        assertThat(Progress.choose(Mode.LINES, true)).isEqualTo(Mode.LINES);
        assertThat(Progress.choose(Mode.OFF, true)).isEqualTo(Mode.OFF);
    }

    @Test
    void readsModesInAnyCase() {
        assertThat(Mode.parse("lines")).isEqualTo(Mode.LINES);
        assertThat(Mode.parse(" TTY ")).isEqualTo(Mode.TTY);
        assertThat(Mode.parse("Off")).isEqualTo(Mode.OFF);
    }

    private String printed() {
        return this.bytes.toString(StandardCharsets.UTF_8);
    }

}
