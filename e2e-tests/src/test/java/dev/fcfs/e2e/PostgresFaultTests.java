package dev.fcfs.e2e;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.fcfs.loadgen.LoadDriver.Malformed;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.loadgen.ReservationApi.Answer;
import dev.fcfs.testsupport.ServiceProcess;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults of PostgreSQL: stopped ({@code immediate}, a crash) for 30 s mid-burst, and while reads that need it are
 * made. The accept path must not need it, and what does need it must answer 503. Part of the fault-injection suite:
 * see {@link FaultScenarios}.
 */
@Order(Order.DEFAULT + 4)
class PostgresFaultTests extends FaultScenarios {

    @Test
    @Order(5)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void postgresDownForThirtySecondsMidBurstRejectsNothing() {
        scenario("PostgreSQL stopped (immediate) for 30 s mid-burst, then started", (run) -> {
            Random random = new Random(SEED + 5);
            List<Long> events = run.createEventsOnEveryShard("pg-outage", 40, 150, 600, 3000, 40, 150, 600, 3000);
            awaitTwoConsumersServing();
            List<ServiceProcess> consumers = aliveConsumers();
            // Bad input that the producer can refuse without PostgreSQL (reads of unknown ids need it: see the
            // next scenario).
            List<Malformed> badInput = Requests.malformed(events)
                .stream()
                .filter((request) -> "POST".equals(request.method()) && !request.description().contains("unknown"))
                .toList();
            SteadyTraffic traffic = run.traffic(() -> Requests.interleave(random,
                    Requests.valid(events, 60, 2500, random), List.of(badInput.get(random.nextInt(badInput.size())),
                            badInput.get(random.nextInt(badInput.size())))), 60);
            Awaitility.await("traffic decided")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> run.driver.accepted().size() >= 150 && run.driver.reservedSoFar() > 0);
            double errorsBefore = workerErrors(consumers, "postgres");
            long stoppedAt = System.nanoTime();
            postgres.stop("immediate");
            // The fault itself lasts 30 s, whatever happens meanwhile: a duration, not a wait for a condition.
            LockSupport.parkNanos(Duration.ofSeconds(30).toNanos());
            long waitingAtRestart = shards.queuedJobs();
            double errorsDuring = workerErrors(consumers, "postgres") - errorsBefore;
            long startedAt = System.nanoTime();
            postgres.start();
            long restartMillis = (System.nanoTime() - startedAt) / 1_000_000;
            int acceptedAtRestart = run.driver.accepted().size();
            Awaitility.await("traffic flowing after the outage")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> run.driver.accepted().size() >= acceptedAtRestart + 200);
            traffic.stop();
            long drainStart = System.nanoTime();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;
            List<String> violations = run.measure();

            long acceptedDuringOutage = run.answers.countReserves((status) -> status == 202, stoppedAt, startedAt);
            Map<Integer, Long> duringOutage = run.answers.reservesByStatus(stoppedAt, startedAt);
            long refusedDuringOutage = duringOutage.entrySet()
                .stream()
                .filter((entry) -> entry.getKey() != 202 && entry.getKey() != 409)
                .mapToLong(Map.Entry::getValue)
                .sum();
            run.evidence(String.format("answers to valid requests during the outage: %s (%d accepted); %d jobs "
                    + "waiting in Redis when PostgreSQL came back (restart %d ms); the consumers counted %.0f failed "
                    + "attempts against PostgreSQL and decided everything %d ms after the burst ended", duringOutage,
                    acceptedDuringOutage, waitingAtRestart, restartMillis, errorsDuring, drainMillis));
            assertNoViolations(violations);
            assertThat(acceptedDuringOutage).as("requests accepted while PostgreSQL was down").isPositive();
            assertThat(refusedDuringOutage).as("valid requests refused while PostgreSQL was down: %s", duringOutage)
                .isZero();
            assertThat(consumers).as("the consumers recovered by themselves, without a restart")
                .allSatisfy((consumer) -> assertThat(consumer.isAlive()).as("%s alive", consumer).isTrue());
        });
    }

    @Test
    @Order(6)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void readsThatNeedPostgresAnswer503WhileItIsDown() {
        scenario("reads needing PostgreSQL while it is down (stop immediate)", (run) -> {
            long event = run.createEvent("pg-reads", 10);
            run.driver.fire(Requests.valid(List.of(event), 5, 5, new Random(SEED + 6))).orTimeout(1, TimeUnit.MINUTES)
                .join();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            UUID decided = run.driver.accepted().get(0).reservationId();
            ReservationApi api = run.driver.api();
            Map<String, Answer> answers = new LinkedHashMap<>();
            postgres.stop("immediate");
            try {
                answers.put("GET /events/" + event, api.send("GET", "/events/" + event, null, null, Map.of()));
                answers.put("GET /reservations/<decided>", api.reservation(decided));
                answers.put("POST /events/987654321/reservations (unknown to Redis)",
                        api.reserve(987_654_321L, "pg-reads-user", null));
                run.extraSent.addAndGet(answers.size());
            }
            finally {
                postgres.start();
            }
            answers.forEach((what, answer) -> run.evidence(what + " while PostgreSQL was down: " + answer
                    + " (Retry-After " + answer.header("Retry-After") + ")"));
            // The producer's pool finds its connections broken by the restart on first use: readable again soon.
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);
            List<String> violations = run.measure();
            assertNoViolations(violations);
            // An outage is not an error of the service's own, nor an answer about the resource: 503, retry later.
            List<String> unclear = answers.entrySet()
                .stream()
                .filter((entry) -> !isClearRefusal(entry.getValue(), 503))
                .map((entry) -> entry.getKey() + " answered " + entry.getValue().status() + " (Retry-After "
                        + entry.getValue().header("Retry-After") + ")")
                .toList();
            if (!unclear.isEmpty()) {
                throw new AssertionError(String.join("; ", unclear) + ": expected 503 with Retry-After");
            }
        });
    }

}
