package dev.fcfs.consumer.worker;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTests {

    @Test
    void doublesFromAHundredMillisecondsUpToTheCeilingAndStartsOverAfterASuccess() {
        Backoff backoff = new Backoff(Duration.ofMillis(500));

        assertThat(new long[] { backoff.nextDelayMillis(), backoff.nextDelayMillis(), backoff.nextDelayMillis(),
                backoff.nextDelayMillis() }).containsExactly(100, 200, 400, 500);
        backoff.reset();
        assertThat(backoff.nextDelayMillis()).isEqualTo(100);
    }

}
