package dev.fcfs.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.fcfs.loadgen.History;
import dev.fcfs.loadgen.InvariantChecker;
import dev.fcfs.loadgen.LoadDriver;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.testsupport.Deployment;
import dev.fcfs.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer killed with SIGKILL in the middle of a burst, while it holds a shard's lease and jobs taken and not
 * acknowledged: the other consumer must take over its shards after the lease TTL and decide what it left behind, in
 * line order, losing nothing; the killed consumer, restarted, must join in again without breaking anything.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WorkerCrashTests {

    /** As many shards as events, so that each event has a shard of its own and both consumers own some. */
    private static final int SHARDS = 4;

    private static Deployment deployment;

    private static LoadDriver driver;

    @BeforeAll
    static void startServices() {
        // Small batches make deciding take long enough for the kill to land mid-burst.
        deployment = Deployment.start("crash", SHARDS, 2, Map.of("RESERVATION_WORKER_LEASE_TTL", "2s",
                "RESERVATION_WORKER_BLOCK_TIMEOUT", "1s", "RESERVATION_WORKER_BATCH_SIZE", "20"));
        driver = new LoadDriver(new ReservationApi(deployment.producer().baseUri(), deployment.adminToken()));
    }

    @AfterAll
    static void stopServices() {
        if (driver != null) {
            driver.close();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void killedConsumerLosesNothingAndLineOrderHolds() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Long> events = List.of(driver.createEvent("crash-a", 30).id(), driver.createEvent("crash-b", 150).id(),
                driver.createEvent("crash-c", 600).id(), driver.createEvent("crash-d", 1500).id());
        CompletableFuture<Void> firstWave = driver.fire(Requests.interleave(random,
                Requests.valid(events, 1500, 1000, random), Requests.malformed(events)));
        MidBurstKill kill = MidBurstKill.during(firstWave, new Shards(deployment, SHARDS), deployment.consumers(),
                driver);
        ServiceProcess victim = kill.victim();
        ServiceProcess survivor = kill.survivor();

        // While consumer 1 is dead, everything (its shards included) must still be decided: by consumer 2.
        driver.fire(Requests.valid(events, 1000, 1000, random)).orTimeout(2, TimeUnit.MINUTES).join();
        driver.awaitAllDecided(Duration.ofSeconds(60));
        assertThat(survivor.isAlive()).as("%s alive", survivor).isTrue();

        ServiceProcess restarted = deployment.startConsumer(victim.name() + "-restarted").awaitHealthy();
        driver.fire(Requests.interleave(random, Requests.valid(events, 800, 1000, random),
                Requests.idempotentReplays(events, 20, random))).orTimeout(2, TimeUnit.MINUTES).join();
        driver.awaitAllDecided(Duration.ofSeconds(60));
        History history = driver.history();

        System.out.printf("WorkerCrashTests (seed %d): %s; %s%n", seed, kill, InvariantChecker.summary(history));
        assertThat(InvariantChecker.violations(history)).as("violations (seed %d) in %s", seed, deployment).isEmpty();
        assertThat(history.validRequests()).isEqualTo(1500 + 1000 + 800 + 20);
        assertThat(List.of(survivor, restarted))
            .allSatisfy((consumer) -> assertThat(consumer.isAlive()).as("%s alive", consumer).isTrue());
    }

}
