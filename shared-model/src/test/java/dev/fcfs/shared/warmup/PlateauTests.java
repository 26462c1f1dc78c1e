package dev.fcfs.shared.warmup;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PlateauTests {

    private final Plateau plateau = new Plateau(3, 0.10, 0.10);

    @Test
    void isReachedOnceTheLastSpeedsAgreeAndTheCompilersWereQuiet() {
        assertThat(this.plateau.add(100, 0, 0)).isFalse();
        assertThat(this.plateau.add(1000, 100, 500)).isFalse();
        assertThat(this.plateau.add(1000, 200, 1000)).isFalse();
        // the last three agree, but the compilers took 210 ms of the last 1,500
        assertThat(this.plateau.add(1050, 210, 1500)).isFalse();
        // they still agree, and the compilers took 120 ms of the last 1,500
        assertThat(this.plateau.add(980, 220, 2000)).isTrue();
        assertThat(this.plateau.recentMean()).isBetween(1009.0, 1011.0);
    }

    @Test
    void isNotReachedWhileTheSpeedStillRises() {
        double speed = 100;
        for (int i = 0; i < 20; i++) {
            speed *= 1.15;
            assertThat(this.plateau.add(speed, 0, i * 500L)).as("window %d", i).isFalse();
        }
    }

    @Test
    void isNotReachedWhileTheCompilersAreBusyEvenIfTheSpeedIsFlat() {
        // compiling 200 ms in every 500 ms window: 40% of the wall time
        for (int i = 0; i < 20; i++) {
            assertThat(this.plateau.add(1000, i * 200L, i * 500L)).as("window %d", i).isFalse();
        }
        assertThat(this.plateau.add(1000, 19 * 200L, 20 * 500L)).isFalse();
        assertThat(this.plateau.add(1000, 19 * 200L, 21 * 500L)).isFalse();
        assertThat(this.plateau.add(1000, 19 * 200L, 22 * 500L)).isTrue();
    }

    @Test
    void isNeverReachedAtSpeedZero() {
        for (int i = 0; i < 10; i++) {
            assertThat(this.plateau.add(0, 0, i * 500L)).isFalse();
        }
    }

}
