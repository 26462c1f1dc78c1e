package dev.fcfs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import dev.fcfs.testsupport.Deployment;

/**
 * The table the fault-injection suite prints at its end and writes to {@code e2e-tests/target/fault-report.md}:
 * one row per scenario, with counts measured through the API ({@link Tally}) and whether every check held.
 */
final class FaultReport {

    private final List<Row> rows = new ArrayList<>();

    private final Instant started = Instant.now();

    /** One scenario: its counts (null if it failed before anything could be measured), outcome and evidence. */
    static final class Row {

        private final String scenario;

        private Tally tally;

        private String result = "not finished";

        private final List<String> evidence = new ArrayList<>();

        private Duration took;

        Row(String scenario) {
            this.scenario = scenario;
        }

        String scenario() {
            return this.scenario;
        }

        void measured(Tally tally) {
            this.tally = tally;
        }

        Tally tally() {
            return this.tally;
        }

        void evidence(String line) {
            this.evidence.add(line);
        }

        void passed(Duration took) {
            this.result = "PASS";
            this.took = took;
        }

        void failed(Throwable failure, Duration took) {
            String message = String.valueOf(failure.getMessage()).strip();
            int newline = message.indexOf('\n');
            message = (newline > 0) ? message.substring(0, newline) : message;
            this.result = "FAIL: " + ((message.length() > 160) ? message.substring(0, 160) + "..." : message);
            this.took = took;
        }

    }

    synchronized Row begin(String scenario) {
        Row row = new Row(scenario);
        this.rows.add(row);
        return row;
    }

    /** The report as Markdown: the table, then each scenario's evidence. */
    synchronized String render() {
        StringBuilder text = new StringBuilder();
        Duration total = Duration.between(this.started, Instant.now());
        text.append("# Fault-injection report\n\n");
        text.append("Run ").append(this.started.truncatedTo(ChronoUnit.SECONDS)).append(", suite ")
            .append(seconds(total)).append(" (servers and services started included), ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
            .append(System.getProperty("java.version")).append(".\n\n");
        text.append("| scenario | sent | accepted (202) | decided | lost | oversold | order violations | duplicates "
                + "| time | result |\n");
        text.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row row : this.rows) {
            Tally tally = row.tally;
            text.append("| ").append(row.scenario).append(" | ");
            if (tally == null) {
                text.append("- | - | - | - | - | - | - | ");
            }
            else {
                text.append(tally.sent()).append(" | ").append(tally.accepted()).append(" | ").append(tally.decided())
                    .append(" | ").append(tally.lost()).append(" | ").append(tally.oversold()).append(" | ")
                    .append(tally.orderViolations()).append(" | ").append(tally.duplicates()).append(" | ");
            }
            text.append((row.took != null) ? seconds(row.took) : "-").append(" | ")
                .append(row.result.replace("|", "\\|"))
                .append(" |\n");
        }
        text.append("\n");
        for (Row row : this.rows) {
            if (!row.evidence.isEmpty()) {
                text.append("**").append(row.scenario).append("**\n\n");
                row.evidence.forEach((line) -> text.append("- ").append(line).append('\n'));
                text.append('\n');
            }
        }
        return text.toString();
    }

    /** Prints the report and writes it to {@code e2e-tests/target/fault-report.md}. */
    void publish() {
        String text = render();
        System.out.println(text);
        Path file = Deployment.projectRoot().resolve("e2e-tests/target/fault-report.md");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not write " + file, ex);
        }
    }

    private static String seconds(Duration duration) {
        return String.format("%.0f s", duration.toMillis() / 1000.0);
    }

}
