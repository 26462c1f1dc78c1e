package dev.fcfs.e2e;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.fcfs.loadgen.LoadDriver;
import dev.fcfs.testsupport.ServiceProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code kill -9} of one of two consumers in the middle of a burst, proved to have hit one: the victim held shard
 * leases and jobs it had taken and not acknowledged, and the burst was still being sent or decided afterwards.
 *
 * @param kill what the victim held when it was killed
 * @param survivor the other consumer
 * @param stillSending whether the burst was still being sent right after the kill
 * @param pendingAfterKill requests accepted and not decided once the burst was sent
 */
record MidBurstKill(Shards.Kill kill, ServiceProcess survivor, boolean stillSending, long pendingAfterKill) {

    /** Kills whichever consumer is caught holding work while {@code burst} is sent, then waits for the burst. */
    static MidBurstKill during(CompletableFuture<Void> burst, Shards shards, List<ServiceProcess> consumers,
            LoadDriver driver) {
        // Whichever consumer is caught holding work is killed: where the events fall decides which has more of it.
        Shards.Kill kill = shards.killHoldingWork(consumers, Duration.ofSeconds(60));
        ServiceProcess victim = kill.victim();
        ServiceProcess survivor = consumers.stream().filter((other) -> other != victim).findFirst().orElseThrow();
        boolean stillSending = !burst.isDone();
        assertThat(kill.exitStatus()).as("exit status of %s after SIGKILL", victim)
            .isEqualTo(ServiceProcess.SIGKILL_EXIT_STATUS);
        assertThat(kill.shards()).as("shards leased by %s when killed", victim).isNotEmpty();
        assertThat(kill.jobsLeftBehind()).as("jobs %s had taken and not acknowledged when killed", victim)
            .isPositive();
        burst.orTimeout(2, TimeUnit.MINUTES).join();
        long pendingAfterKill = driver.undecidedCount();
        assertThat(stillSending || pendingAfterKill > 0)
            .as("the kill landed mid-burst (still sending: %s, pending right after: %d)", stillSending,
                    pendingAfterKill)
            .isTrue();
        return new MidBurstKill(kill, survivor, stillSending, pendingAfterKill);
    }

    ServiceProcess victim() {
        return this.kill.victim();
    }

    @Override
    public String toString() {
        return this.kill + " (still sending: " + this.stillSending + ", " + this.pendingAfterKill
                + " pending right after)";
    }

}
