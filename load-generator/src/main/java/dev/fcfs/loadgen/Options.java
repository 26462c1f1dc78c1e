package dev.fcfs.loadgen;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The load generator's command line.
 *
 * @param url the producer's base URL
 * @param createEvents capacities of the events to create for this run (empty if {@code eventIds} is used)
 * @param eventIds existing events to aim at instead of creating some
 * @param requests valid reservation requests to send
 * @param users size of the user pool the requests draw from (smaller than requests: users repeat)
 * @param concurrency most requests in flight, in both loops (and while reading reservations back)
 * @param malformed malformed requests mixed into the burst
 * @param replays extra requests sent twice with one {@code Idempotency-Key}
 * @param rate requests per second in the open loop; 0 for the closed loop
 * @param seed seed of the request mix
 * @param await whether to wait for every accepted reservation to be decided (and then check the invariants)
 * @param waitTimeout how long to wait for that at most
 * @param report a file to write every summary value into as {@code key=value} lines, or null
 * @param adminToken bearer token for {@code POST /events}, or null
 * @param progress how to show progress, or null to choose by whether standard error is a terminal
 * @param userTokens a file of {@code <userId> <token>} lines: each user's requests carry
 * {@code Authorization: Bearer <token>} (a producer in jwt identity mode); null for none
 */
record Options(URI url, List<Integer> createEvents, List<Long> eventIds, int requests, int users, int concurrency,
        int malformed, int replays, double rate, long seed, boolean await, Duration waitTimeout, Path report,
        String adminToken, Progress.Mode progress, Path userTokens) {

    static final String USAGE = """
            Usage: java -jar load-generator.jar [options]
              --url URL                producer base URL (default http://127.0.0.1:8080)
              --create-events C1,C2,.. create events with these capacities (default 500,100,2000)
              --event-ids ID1,ID2,..   use existing events instead (invariants are then not checked)
              --requests N             valid reservation requests (default 20000)
              --users N                user pool size; users repeat (default 15000)
              --concurrency N          most requests in flight, both loops (default 200)
              --malformed N            malformed requests mixed in (default 200)
              --replays N              requests sent twice with one Idempotency-Key (default 0)
              --rate R                 open loop at R requests/s, latency from the scheduled time (default: closed loop)
              --seed N                 seed of the request mix (default: random)
              --no-wait                do not wait for the decisions (no invariant check)
              --wait-timeout SECONDS   longest wait for every decision (default 300)
              --report FILE            also write the summary as key=value lines
              --admin-token TOKEN      bearer token for POST /events (default: env RESERVATION_ADMIN_TOKEN)
              --progress MODE          tty (one line rewritten in place), lines (one line per second) or off
                                       (default: tty when stderr is a terminal, else lines)
              --user-tokens FILE       lines '<userId> <token>': send each user's requests (reservations and
                                       reads of them) with 'Authorization: Bearer <token>' (user ids as the
                                       load generator makes them, Requests.user; a user without a line is sent
                                       without)
            Every option also reads as --option=VALUE.
            Exit status: 0 invariants hold (or not checked), 1 a violation, 2 bad usage or no server.""";

    /** Parses the arguments. */
    static Options parse(String... args) {
        return parseWithToken(System.getenv("RESERVATION_ADMIN_TOKEN"), args);
    }

    /** Parses the arguments, with the admin token to use unless {@code --admin-token} names one. */
    static Options parseWithToken(String defaultAdminToken, String... args) {
        String adminToken = (defaultAdminToken == null || defaultAdminToken.isBlank()) ? null : defaultAdminToken;
        URI url = URI.create("http://127.0.0.1:8080");
        List<Integer> createEvents = null;
        List<Long> eventIds = List.of();
        int requests = 20_000;
        int users = 15_000;
        int concurrency = 200;
        int malformed = 200;
        int replays = 0;
        double rate = 0;
        long seed = System.nanoTime();
        boolean await = true;
        Duration waitTimeout = Duration.ofMinutes(5);
        Path report = null;
        Progress.Mode progress = null;
        Path userTokens = null;
        for (int i = 0; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            boolean inline = args[i].startsWith("--") && equals > 0;
            String name = inline ? args[i].substring(0, equals) : args[i];
            String value = inline ? args[i].substring(equals + 1) : null;
            if (name.equals("--no-wait") && value == null) {
                await = false;
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(name.startsWith("--") ? "missing value for " + name
                            : "unknown argument " + name);
                }
                value = args[++i];
            }
            switch (name) {
                case "--url" -> url = parse(name, value, Options::url);
                case "--create-events" -> createEvents = list(name, value,
                        (text) -> positive(name, Integer.parseInt(text)));
                case "--event-ids" -> eventIds = list(name, value, (text) -> positive(name, Long.parseLong(text)));
                case "--requests" -> requests = atLeast(name, parse(name, value, Integer::parseInt), 0);
                case "--users" -> users = atLeast(name, parse(name, value, Integer::parseInt), 1);
                case "--concurrency" -> concurrency = atLeast(name, parse(name, value, Integer::parseInt), 1);
                case "--malformed" -> malformed = atLeast(name, parse(name, value, Integer::parseInt), 0);
                case "--replays" -> replays = atLeast(name, parse(name, value, Integer::parseInt), 0);
                case "--rate" -> rate = rate(name, parse(name, value, Double::parseDouble));
                case "--seed" -> seed = parse(name, value, Long::parseLong);
                case "--wait-timeout" -> waitTimeout = Duration.ofSeconds(
                        atLeast(name, parse(name, value, Integer::parseInt), 1));
                case "--report" -> report = Path.of(value);
                case "--admin-token" -> adminToken = value;
                case "--progress" -> progress = parse(name, value, Progress.Mode::parse);
                case "--user-tokens" -> userTokens = Path.of(value);
                case "--no-wait" -> throw new UsageException("--no-wait takes no value");
                default -> throw new UsageException("unknown argument " + name);
            }
        }
        if (createEvents != null && !eventIds.isEmpty()) {
            throw new UsageException("give either --create-events or --event-ids, not both");
        }
        if (createEvents == null) {
            createEvents = eventIds.isEmpty() ? List.of(500, 100, 2000) : List.of();
        }
        return new Options(url, createEvents, eventIds, requests, users, concurrency, malformed, replays, rate, seed,
                await, waitTimeout, report, adminToken, progress, userTokens);
    }

    /** Whether the requests are paced at {@link #rate()} (open loop) rather than by free slots. */
    boolean openLoop() {
        return this.rate > 0;
    }

    /** The invariants can only be judged on events this run created and saw every request of. */
    boolean checksInvariants() {
        return this.await && this.eventIds.isEmpty();
    }

    private static URI url(String text) {
        URI uri = URI.create(text.endsWith("/") ? text : text + "/");
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL");
        }
        return uri;
    }

    private static <T> T parse(String name, String value, Function<String, T> parser) {
        try {
            return parser.apply(value.trim());
        }
        catch (UsageException ex) {
            throw ex;
        }
        catch (RuntimeException ex) {
            throw new UsageException("bad value for " + name + ": " + value);
        }
    }

    private static <T> List<T> list(String name, String value, Function<String, T> parser) {
        List<T> items = new ArrayList<>();
        for (String item : value.split(",")) {
            items.add(parse(name, item, parser));
        }
        return List.copyOf(items);
    }

    private static <N extends Number> N positive(String name, N value) {
        if (value.longValue() < 1) {
            throw new UsageException(name + " takes positive numbers, not " + value);
        }
        return value;
    }

    private static int atLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new UsageException(name + " must be at least " + minimum + ", not " + value);
        }
        return value;
    }

    private static double rate(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new UsageException(name + " must be a positive number of requests per second, not " + value);
        }
        return value;
    }

    /** A command line that cannot be run, with what is wrong. */
    static final class UsageException extends IllegalArgumentException {

        UsageException(String message) {
            super(message);
        }

    }

}
