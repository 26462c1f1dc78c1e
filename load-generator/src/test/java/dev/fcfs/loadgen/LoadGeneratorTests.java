package dev.fcfs.loadgen;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoadGeneratorTests {

    @Test
    void aRunWithProgressInLinesPrintsWholeLinesAndReportsItsOwnCpu() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (FakeProducer producer = FakeProducer.start()) {
            status = LoadGenerator.run(new String[] { "--url", producer.uri().toString(), "--create-events", "5,20",
                    "--requests", "300", "--users", "200", "--malformed", "40", "--replays", "5", "--concurrency", "8",
                    "--seed", "7", "--progress=lines" }, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
        }

        String summary = out.toString(StandardCharsets.UTF_8);
        String progress = err.toString(StandardCharsets.UTF_8);
        assertThat(summary).contains("| Invariant check | PASS |").contains("| Accepted (202) |");
        assertThat(status).isZero();
        assertThat(summary).containsPattern("\\| Load generator CPU \\(s\\) \\| \\d+\\.\\d\\d \\|")
            .containsPattern("\\| Load generator CPU \\(% of one core\\) \\| \\d+ \\|");
        assertThat(progress).doesNotContain("\r").endsWith(System.lineSeparator());
        List<String> lines = progress.lines().toList();
        assertThat(lines.get(0)).startsWith("load-generator: 345 requests");
        assertThat(lines.subList(1, lines.size())).isNotEmpty()
            .allSatisfy((line) -> assertThat(line).containsPattern("^\\d+\\.\\ds \\| sent \\d+ \\| .* \\| decided \\d+ "
                    + "\\| confirmed (-|\\d+) \\| loadgen CPU \\d+\\.\\d s \\(\\d+% of one core\\)$"));
        // The last line comes after every answer and every decision was read back: it agrees with the summary, and
        // all 25 seats of the two events are confirmed.
        Matcher answers = Pattern.compile("\\| Answers \\(with resends\\) \\| (\\d+) \\|").matcher(summary);
        Matcher accepted = Pattern.compile("\\| Accepted \\(202\\) \\| (\\d+) \\|").matcher(summary);
        assertThat(answers.find() && accepted.find()).isTrue();
        assertThat(lines.get(lines.size() - 1)).contains("| sent " + answers.group(1) + " |")
            .contains("| decided " + accepted.group(1) + " |")
            .contains("| confirmed 25 |");
    }

}
