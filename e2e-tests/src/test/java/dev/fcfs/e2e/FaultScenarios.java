package dev.fcfs.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.fcfs.loadgen.History;
import dev.fcfs.loadgen.InvariantChecker;
import dev.fcfs.loadgen.LoadDriver;
import dev.fcfs.loadgen.LoadDriver.Request;
import dev.fcfs.loadgen.LoadDriver.Reserve;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.loadgen.ReservationApi.Answer;
import dev.fcfs.testsupport.Deployment;
import dev.fcfs.testsupport.PrivatePostgres;
import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.ServiceProcess;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fixture of the fault-injection suite, whose scenarios are grouped by fault family in the {@code *FaultTests}
 * classes: faults injected into a running system of real processes, the built producer and consumer jars, against a
 * redis-server and a PostgreSQL cluster of the suite's own (never the shared servers), which the scenarios crash,
 * stop, fill up and restart. After each scenario every promise is checked through the API alone
 * ({@link InvariantChecker}: nothing lost, no oversell, one seat per user, strict line order, bad input without
 * effect), plus what only the database can tell (decisions nobody was told about, fenced-off writes). At the end the
 * suite prints a table of all scenarios and writes it to {@code e2e-tests/target/fault-report.md}.
 *
 * <p>The scenarios of every family share one deployment (one producer, two consumers, 8 shards, lease TTL 2 s,
 * batches of 20 so that faults land mid-batch), started for the first of them and stopped after the last test class
 * of the run, and each scenario runs on events of its own: starting the servers and services once keeps the suite
 * within a few minutes on a small machine. The families run after the other end-to-end tests, one after the other
 * (their {@code @Order}, see {@code junit-platform.properties}). Each scenario starts by checking that the system it
 * inherits is healthy. How to run them alone, one scenario at a time, and what each proves:
 * docs/fault-tolerance.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(FaultScenarios.SharedSystem.class)
abstract class FaultScenarios {

    static final int SHARDS = 8;

    static final Duration ALL_DECIDED_TIMEOUT = Duration.ofSeconds(120);

    /** Seeds every request mix; replay a run with {@code -Dfcfs.faults.seed=<seed printed at its start>}. */
    static final long SEED = Long.getLong("fcfs.faults.seed", System.nanoTime());

    /** What the shipped Redis configuration must say, and what the durability scenarios rely on. */
    private static final Map<String, String> REQUIRED_REDIS_SETTINGS = Map.of("appendonly", "yes", "appendfsync",
            "always", "maxmemory-policy", "noeviction", "save", "", "no-appendfsync-on-rewrite", "no");

    static FaultReport report;

    static PrivateRedis redis;

    static PrivatePostgres postgres;

    static Deployment deployment;

    static Shards shards;

    /**
     * Starts the system for the first scenario class of the run and keeps it, in JUnit's root store, until the run
     * ends: then it publishes the report and stops everything.
     */
    static final class SharedSystem implements BeforeAllCallback {

        @Override
        public void beforeAll(ExtensionContext context) {
            Assumptions.assumeFalse("true".equalsIgnoreCase(System.getenv("FCFS_SKIP_FAULT_TESTS")),
                    "FCFS_SKIP_FAULT_TESTS=true: fault-injection suite skipped");
            context.getRoot()
                .getStore(ExtensionContext.Namespace.create(SharedSystem.class))
                .computeIfAbsent(Running.class, (key) -> Running.start(), Running.class);
        }

    }

    /** The running system, closed by JUnit when the run ends. */
    private static final class Running implements AutoCloseable {

        static Running start() {
            redis = PrivateRedis.builder().configFile(shippedRedisConfiguration()).start();
            try {
                checkRedisSettings();
                postgres = PrivatePostgres.builder().statementStatistics().start();
            }
            catch (RuntimeException ex) {
                redis.close();
                throw ex;
            }
            // The deployment closes the servers itself if a service does not come up.
            deployment = Deployment.builder("faults")
                .privateServers(redis, postgres)
                .shards(SHARDS)
                .consumers(2)
                .consumerSettings(Map.of("RESERVATION_WORKER_LEASE_TTL", "2s", "RESERVATION_WORKER_BLOCK_TIMEOUT",
                        "1s", "RESERVATION_WORKER_BATCH_SIZE", "20", "RESERVATION_WORKER_MAX_BACKOFF", "2s"))
                .start();
            shards = new Shards(deployment, SHARDS);
            report = new FaultReport();
            System.out.printf("Fault-injection suite (seed %d) on %s%n", SEED, deployment);
            return new Running();
        }

        @Override
        public void close() {
            try {
                report.publish();
            }
            finally {
                deployment.close();
            }
        }

    }

    /** {@code deploy/redis/redis.conf}, which the suite's Redis runs with. */
    private static Path shippedRedisConfiguration() {
        Path configuration = Deployment.projectRoot().resolve("deploy/redis/redis.conf");
        if (!Files.isRegularFile(configuration)) {
            throw new IllegalStateException("Shipped Redis configuration " + configuration + " is missing");
        }
        return configuration;
    }

    private static void checkRedisSettings() {
        Map<String, String> actual = new LinkedHashMap<>();
        REQUIRED_REDIS_SETTINGS.keySet()
            .forEach((name) -> actual.put(name, redis.commands().configGet(name).get(name)));
        if (!REQUIRED_REDIS_SETTINGS.equals(actual)) {
            throw new IllegalStateException(shippedRedisConfiguration() + " must set " + REQUIRED_REDIS_SETTINGS
                    + " (the fault-injection scenarios prove those settings), but the server runs with " + actual);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Looking at the system

    static boolean isClearRefusal(Answer answer, int status) {
        String retryAfter = answer.header("Retry-After");
        return answer.status() == status && answer.isProblem() && retryAfter != null && !retryAfter.isBlank();
    }

    /** The same requests, each with an Idempotency-Key of its own. */
    static List<Reserve> withIdempotencyKeys(List<Reserve> requests, AtomicLong counter) {
        return requests.stream()
            .map((request) -> new Reserve(request.eventId(), request.userId(),
                    "fault-" + counter.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8), false))
            .toList();
    }

    /** Consumers running (alive and not frozen), oldest first. */
    static List<ServiceProcess> aliveConsumers() {
        return deployment.consumers().stream().filter((c) -> c.isAlive() && !c.isFrozen()).toList();
    }

    /** Each scenario starts from two healthy consumers serving every shard. */
    static void awaitTwoConsumersServing() {
        List<ServiceProcess> consumers = aliveConsumers();
        assertThat(consumers).as("consumers alive at the start of the scenario").hasSizeGreaterThanOrEqualTo(2);
        consumers.forEach(ServiceProcess::awaitHealthy);
        Awaitility.await("every shard leased")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(shards::allLeased);
    }

    /** Sum of {@code reservation_worker_errors_total{backend=...}} over the consumers that answer. */
    static double workerErrors(List<ServiceProcess> consumers, String backend) {
        double sum = 0;
        for (ServiceProcess consumer : consumers) {
            try {
                sum += Prometheus.sum(consumer.get("/actuator/prometheus"), "reservation_worker_errors_total",
                        "backend=\"" + backend + "\"");
            }
            catch (RuntimeException ex) {
                // not answering right now: counted as nothing
            }
        }
        return sum;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Running a scenario

    static void assertNoViolations(List<String> violations) {
        if (!violations.isEmpty()) {
            throw new AssertionError(violations.size() + " broken promises (seed " + SEED + "), first: "
                    + violations.get(0) + "\nall:\n" + String.join("\n", violations));
        }
    }

    @FunctionalInterface
    interface Body {

        void run(Run run) throws Exception;

    }

    /**
     * Runs one scenario with a driver of its own, and records its row in the report whatever happens: measured if the
     * scenario got that far (or measured now, as well as the system allows), PASS or FAIL with the reason.
     */
    static void scenario(String name, Body body) {
        FaultReport.Row row = report.begin(name);
        long started = System.nanoTime();
        try (Run run = new Run(row)) {
            try {
                body.run(run);
                row.passed(Duration.ofNanos(System.nanoTime() - started));
            }
            catch (Throwable failure) {
                if (row.tally() == null) {
                    run.measureQuietly();
                }
                row.failed(failure, Duration.ofNanos(System.nanoTime() - started));
                throw failure;
            }
        }
        catch (RuntimeException | Error ex) {
            throw ex;
        }
        catch (Throwable ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** One scenario's driver, its record of every answer, and its way to the report. */
    static final class Run implements AutoCloseable {

        final FaultReport.Row row;

        final Answers answers = new Answers();

        final LoadDriver driver;

        final List<Long> events = new ArrayList<>();

        /** Requests sent outside the driver (probes, header attacks), for the "sent" column. */
        final AtomicLong extraSent = new AtomicLong();

        private final List<SteadyTraffic> traffic = new ArrayList<>();

        Run(FaultReport.Row row) {
            this.row = row;
            this.driver = new LoadDriver(new ReservationApi(deployment.producer().baseUri(), deployment.adminToken()),
                    LoadDriver.DEFAULT_CONCURRENCY, this.answers);
        }

        long createEvent(String name, int capacity) {
            long id = this.driver.createEvent(name, capacity).id();
            this.events.add(id);
            return id;
        }

        /** One event per capacity; with as many capacities as shards, consecutive ids put one on every shard. */
        List<Long> createEventsOnEveryShard(String name, int... capacities) {
            List<Long> created = new ArrayList<>();
            for (int i = 0; i < capacities.length; i++) {
                created.add(createEvent(name + "-" + (i + 1), capacities[i]));
            }
            return created;
        }

        SteadyTraffic traffic(Supplier<List<? extends Request>> chunks, double perSecond) {
            SteadyTraffic started = SteadyTraffic.start(this.driver, chunks, perSecond);
            this.traffic.add(started);
            return started;
        }

        void evidence(String line) {
            this.row.evidence(line);
        }

        List<String> measure() {
            return measure((failure) -> false);
        }

        /**
         * Reads every accepted reservation and every event back, fills the row's counts, and returns every broken
         * promise: the checker's, decisions in PostgreSQL without a 202, and jobs parked as dead letters.
         * @param tolerated failures of valid requests that the scenario allows (they count as not sent)
         */
        List<String> measure(Predicate<String> tolerated) {
            History raw = this.driver.history();
            List<String> allowed = raw.failures().stream().filter(tolerated).toList();
            History history = allowed.isEmpty() ? raw
                    : new History(raw.capacities(), raw.accepted(), raw.decisions(), raw.events(), raw.refusals(),
                            raw.soldOutAtDoor(), raw.validRequests() - allowed.size(),
                            raw.failures().stream().filter(tolerated.negate()).toList());
            long rows = postgres.queryLong(
                    "SELECT count(*) FROM reservations WHERE event_id = ANY(string_to_array(?, ',')::bigint[])",
                    this.events.stream().map(String::valueOf).collect(Collectors.joining(",")));
            long sent = raw.validRequests() + raw.refusals().size() + this.extraSent.get();
            this.row.measured(Tally.of(history, sent, rows));
            List<String> violations = new ArrayList<>(InvariantChecker.violations(history));
            if (rows != history.accepted().size()) {
                violations.add("PostgreSQL holds " + rows + " decisions for the scenario's events, " + "but "
                        + history.accepted().size() + " requests were accepted");
                Set<UUID> accepted = history.accepted()
                    .stream()
                    .map(History.Accepted::reservationId)
                    .collect(Collectors.toSet());
                postgres.query("SELECT id, event_id, user_id, position, status, reason, seat_number FROM reservations "
                        + "WHERE event_id = ANY(string_to_array(?, ',')::bigint[]) ORDER BY event_id, position",
                        this.events.stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .stream()
                    .filter((row) -> !accepted.contains((UUID) row.get("id")))
                    .limit(10)
                    .forEach((decision) -> evidence("decided in PostgreSQL without a 202 to anyone: " + decision
                            + "; what its user was answered: " + history.failures()
                                .stream()
                                .filter((failure) -> failure.contains(" user " + decision.get("user_id") + " "))
                                .findFirst()
                                .orElse("(no failed request of that user)")));
            }
            long dead = shards.deadLetters();
            if (dead > 0) {
                violations.add(dead + " jobs parked as dead letters");
            }
            if (!allowed.isEmpty()) {
                evidence(allowed.size() + " valid requests refused as allowed here, e.g. " + allowed.get(0));
            }
            System.out.printf("%s (seed %d): %s%n", this.row.scenario(), SEED, InvariantChecker.summary(history));
            return violations;
        }

        /** After a failure: counts what can still be counted, never throws. */
        void measureQuietly() {
            try {
                CompletableFuture.runAsync(() -> measure((failure) -> true)).get(90, TimeUnit.SECONDS);
            }
            catch (Exception ex) {
                evidence("could not measure after the failure: " + ex);
            }
        }

        String refusalsByStatus() {
            return this.driver.history()
                .refusals()
                .stream()
                .collect(Collectors.groupingBy(History.Refusal::status, TreeMap::new, Collectors.counting()))
                .toString();
        }

        @Override
        public void close() {
            this.traffic.forEach(SteadyTraffic::close);
            this.driver.close();
        }

    }

    /** Every answer a driver got, with when it came: to count answers of a kind within a fault's window. */
    static final class Answers implements LoadDriver.Listener {

        private record Seen(long at, int status, boolean reserve) {
        }

        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

        private final AtomicLong lastAnswerAt = new AtomicLong();

        @Override
        public void answered(Request request, int attempt, int status, long latencyNanos) {
            long now = System.nanoTime();
            this.seen.add(new Seen(now, status, request instanceof Reserve));
            if (request instanceof Reserve) {
                this.lastAnswerAt.accumulateAndGet(now, Math::max);
            }
        }

        /** {@link System#nanoTime()} of the latest answer to a reservation request. */
        long lastAnswerAt() {
            return this.lastAnswerAt.get();
        }

        /** Answers to reservation requests with this status between two {@link System#nanoTime()} readings. */
        long count(int status, long from, long to) {
            return countReserves((s) -> s == status, from, to);
        }

        long count(IntPredicate status, long from, long to) {
            return countReserves(status, from, to);
        }

        long countReserves(IntPredicate status, long from, long to) {
            return this.seen.stream()
                .filter((s) -> s.reserve() && s.at() >= from && s.at() <= to && status.test(s.status()))
                .count();
        }

        Map<Integer, Long> reservesByStatus(long from, long to) {
            return this.seen.stream()
                .filter((s) -> s.reserve() && s.at() >= from && s.at() <= to)
                .collect(Collectors.groupingBy(Seen::status, TreeMap::new, Collectors.counting()));
        }

    }

}
