package dev.fcfs.loadgen;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.fcfs.loadgen.LoadDriver.Request;
import dev.fcfs.loadgen.Options.UsageException;
import org.HdrHistogram.Histogram;

/**
 * Command-line load generator: creates (or takes) events, fires a burst of valid reservation requests from a user
 * pool with malformed ones mixed in, shows progress on stderr (answers, decisions and confirmed seats as they
 * happen, and its own CPU), waits until every accepted request is decided, then prints a summary in markdown on
 * stdout and checks every guarantee with {@link InvariantChecker}.
 *
 * <p>Exit status: 0 when the invariants hold (or were not checked), 1 on a violation, 2 on bad usage or when the
 * producer cannot be used.
 */
public final class LoadGenerator {

    /** How often decisions are read while the burst runs: a few dozen reads each time. */
    private static final Duration DECISIONS_INTERVAL = Duration.ofSeconds(1);

    private LoadGenerator() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.println(Options.USAGE);
            return 0;
        }
        Options options;
        try {
            options = Options.parse(args);
        }
        catch (UsageException ex) {
            err.println("load-generator: " + ex.getMessage());
            err.println(Options.USAGE);
            return 2;
        }
        Map<String, String> userTokens;
        try {
            userTokens = (options.userTokens() != null) ? ReservationApi.readUserTokens(options.userTokens())
                    : Map.of();
        }
        catch (IOException | IllegalArgumentException ex) {
            err.println("load-generator: cannot read --user-tokens: " + ex.getMessage());
            return 2;
        }
        Stats stats = new Stats();
        try (ReservationApi api = new ReservationApi(options.url(), options.adminToken(), userTokens);
                LoadDriver driver = new LoadDriver(api, options.concurrency(), stats)) {
            List<Long> events = new ArrayList<>();
            try {
                for (int i = 0; i < options.createEvents().size(); i++) {
                    int capacity = options.createEvents().get(i);
                    events.add(driver.createEvent("load-" + options.seed() + "-" + (i + 1), capacity).id());
                }
                for (long id : options.eventIds()) {
                    events.add(driver.useEvent(id).id());
                }
            }
            catch (RuntimeException ex) {
                err.println("load-generator: cannot set up the events at " + options.url() + ": " + ex.getMessage());
                return 2;
            }
            Random random = new Random(options.seed());
            List<Request> burst = Requests.interleave(random,
                    Requests.valid(events, options.requests(), options.users(), random),
                    Requests.idempotentReplays(events, options.replays(), random),
                    Requests.malformed(events, options.malformed(), random));
            err.printf("load-generator: %d requests (%d valid, %d replayed, %d malformed) to events %s at %s, %s, "
                    + "%s threads, seed %d%n", burst.size(), options.requests(), options.replays(),
                    options.malformed(), events, options.url(),
                    options.openLoop() ? "open loop at " + Summary.rate(options.rate()) + " requests/s"
                            : "closed loop, " + options.concurrency() + " in flight",
                    driver.usesVirtualThreads() ? "virtual" : "platform", options.seed());

            long start = System.nanoTime();
            Progress progress = new Progress(Progress.choose(options.progress(), Progress.stderrIsTerminal()), err);
            ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, (task) -> {
                Thread thread = new Thread(task, "progress");
                thread.setDaemon(true);
                return thread;
            });
            CompletableFuture<Void> fired = options.openLoop() ? driver.fireAtRate(burst, options.rate())
                    : driver.fire(burst);
            LiveDecisions live = LiveDecisions.of(driver);
            boolean shown = progress.mode() != Progress.Mode.OFF;
            if (shown) {
                timers.scheduleAtFixedRate(
                        () -> progress.update(stats.progressLine((System.nanoTime() - start) / 1e9, CpuUsage.now())),
                        0, progress.mode().interval().toMillis(), TimeUnit.MILLISECONDS);
                // Nobody would see the counts without progress lines: then the producer is spared the reads.
                timers.scheduleWithFixedDelay(() -> readDecisions(live, stats, fired), 0,
                        DECISIONS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
            fired.join();
            long burstNanos = stats.lastAnswerNanos() - start;
            long undecided = -1;
            long allDecidedNanos = -1;
            if (options.await()) {
                undecided = driver.awaitDecided(options.waitTimeout(), stats::decided);
                if (undecided == 0) {
                    allDecidedNanos = System.nanoTime() - start;
                }
            }
            stop(timers);
            if (shown) {
                readDecisions(live, stats, fired);
                progress.finish(stats.progressLine((System.nanoTime() - start) / 1e9, CpuUsage.now()));
            }

            History history = options.await() ? driver.history() : null;
            Map<String, String> metrics = metrics(options, driver, stats, burst.size(), burstNanos, allDecidedNanos,
                    history);
            List<String> violations = List.of();
            if (options.checksInvariants()) {
                violations = InvariantChecker.violations(history);
                metrics.put("Invariant check", violations.isEmpty() ? "PASS" : "FAIL (" + violations.size() + ")");
            }
            else {
                metrics.put("Invariant check", "SKIPPED (" + (options.await() ? "events not created by this run"
                        : "--no-wait") + ")");
            }
            out.println(Summary.table(metrics));
            if (history != null) {
                out.println(Summary.eventTable(Summary.eventRows(history)));
            }
            if (!violations.isEmpty()) {
                out.println("Violations:");
                violations.forEach((violation) -> out.println("- " + violation));
            }
            if (undecided > 0) {
                err.println("load-generator: " + undecided + " accepted reservations still undecided after "
                        + options.waitTimeout().toSeconds() + " s");
            }
            if (options.report() != null) {
                try {
                    Files.writeString(options.report(), Summary.keyValues(metrics));
                }
                catch (IOException ex) {
                    err.println("load-generator: cannot write " + options.report() + ": " + ex);
                }
            }
            return violations.isEmpty() ? 0 : 1;
        }
    }

    /**
     * Reads confirmed seats, and while the burst runs how many are decided (afterwards {@link LoadDriver#awaitDecided}
     * counts them exactly). A failed read leaves the last counts on display: the read-back at the end judges.
     */
    private static void readDecisions(LiveDecisions live, Stats stats, CompletableFuture<Void> burst) {
        try {
            if (!burst.isDone()) {
                stats.decidedSoFar(live.decided());
            }
            stats.confirmed(live.confirmed());
        }
        catch (RuntimeException ex) {
            // The last counts stay on display until a read succeeds again.
        }
    }

    /** Stops the progress timers and waits for a line being printed, so that the final line comes last. */
    private static void stop(ScheduledExecutorService timers) {
        timers.shutdownNow();
        try {
            timers.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> metrics(Options options, LoadDriver driver, Stats stats, int burstSize,
            long burstNanos, long allDecidedNanos, History history) {
        Map<String, String> metrics = Summary.metrics();
        Histogram latency = stats.latency();
        long accepted = driver.accepted().size();
        metrics.put("Mode", options.openLoop() ? "open loop, " + Summary.rate(options.rate()) + " requests/s scheduled"
                : "closed loop, " + options.concurrency() + " in flight");
        metrics.put("Threads", driver.usesVirtualThreads() ? "virtual" : "platform");
        metrics.put("Requests", Integer.toString(burstSize));
        metrics.put("Valid requests", Integer.toString(options.requests() + options.replays()));
        metrics.put("Malformed requests", Integer.toString(options.malformed()));
        metrics.put("Answers (with resends)", Long.toString(stats.sent()));
        metrics.put("Burst duration (s)", Summary.seconds(burstNanos));
        metrics.put("Answers/s", Summary.rate(Summary.perSecond(stats.sent(), burstNanos)));
        metrics.put("Accepted (202)", Long.toString(accepted));
        metrics.put("Accepted/s", Summary.rate(Summary.perSecond(accepted, burstNanos)));
        metrics.put("Refused 409 sold out", Long.toString(stats.soldOut()));
        metrics.put("Refused 429", Long.toString(stats.tooMany()));
        metrics.put("Refused 503", Long.toString(stats.unavailable()));
        metrics.put("Other 4xx", Long.toString(stats.clientErrors()));
        metrics.put("Other answers (5xx, none)", Long.toString(stats.otherAnswers()));
        metrics.put("Resent after 429/503", Long.toString(driver.retried()));
        metrics.put("POST latency p50 (ms)", Summary.millis(latency, 50));
        metrics.put("POST latency p99 (ms)", Summary.millis(latency, 99));
        metrics.put("POST latency p99.9 (ms)", Summary.millis(latency, 99.9));
        metrics.put("POST latency max (ms)", Summary.millis(latency, 100));
        metrics.put("First request to all decided (s)", Summary.seconds(allDecidedNanos));
        CpuUsage cpu = CpuUsage.now();
        metrics.put("Load generator CPU (s)", Summary.seconds(cpu.cpuNanos()));
        metrics.put("Load generator CPU (% of one core)", Summary.rate(cpu.percentOfOneCore()));
        if (history != null) {
            metrics.put("Decisions/s (decidedAt span)",
                    Summary.rate(Summary.decisionsPerSecond(history.decisions().values()).orElse(Double.NaN)));
            Histogram acceptToDecision = Summary.acceptToDecision(history.decisions().values());
            metrics.put("Accept to decision p50 (ms)", Summary.millis(acceptToDecision, 50));
            metrics.put("Accept to decision p99 (ms)", Summary.millis(acceptToDecision, 99));
        }
        return metrics;
    }

}
