package dev.fcfs.loadgen;

import dev.fcfs.loadgen.LoadDriver.Malformed;
import dev.fcfs.loadgen.LoadDriver.Reserve;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatsTests {

    private static final CpuUsage CPU = new CpuUsage(3_200_000_000L, 7_800_000_000L);

    @Test
    void progressLineShowsAnswersDecisionsConfirmedSeatsAndItsOwnCpu() {
        Stats stats = new Stats();
        Reserve reserve = new Reserve(1, "ann");
        for (int status : new int[] { 202, 202, 409, 429, 503, 400, 500, -1 }) {
            stats.answered(reserve, 1, status, 1_000_000);
        }
        stats.answered(new Malformed("empty body", "POST", "/events/1/reservations", "application/json", ""), 1, 400,
                1_000_000);
        stats.decidedSoFar(1);
        stats.confirmed(1);

        assertThat(stats.progressLine(2.54, CPU)).isEqualTo("2.5s | sent 9 | 202 2 | 409 sold out 1 | 429 1 | 503 1 | "
                + "4xx 2 | other 2 | decided 1 | confirmed 1 | loadgen CPU 3.2 s (41% of one core)");
    }

    @Test
    void confirmedShowsADashUntilRead() {
        assertThat(new Stats().progressLine(0, CPU)).contains("| decided 0 | confirmed - |");
    }

    @Test
    void exactDecidedCountsReplaceEstimatesForGood() {
        Stats stats = new Stats();

        stats.decidedSoFar(10);
        assertThat(stats.decided()).isEqualTo(10);
        stats.decided(7);
        stats.decidedSoFar(20);

        assertThat(stats.decided()).isEqualTo(7);
    }

    @Test
    void cpuIsSecondsAndAShareOfOneCore() {
        assertThat(new CpuUsage(500_000_000L, 250_000_000L).describe())
            .isEqualTo("loadgen CPU 0.5 s (200% of one core)");
        assertThat(new CpuUsage(-1, 1_000_000_000L).describe()).isEqualTo("loadgen CPU -");
        assertThat(new CpuUsage(-1, 1_000_000_000L).percentOfOneCore()).isNaN();
    }

    @Test
    void readsTheCpuOfThisProcess() {
        CpuUsage cpu = CpuUsage.now();

        assertThat(cpu.cpuNanos()).as("a JVM that has run tests has used CPU").isPositive();
        assertThat(cpu.wallNanos()).isPositive();
    }

}
