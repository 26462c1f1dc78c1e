package dev.fcfs.loadgen;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

import dev.fcfs.loadgen.History.Accepted;
import dev.fcfs.loadgen.History.Decision;
import dev.fcfs.loadgen.History.Refusal;
import dev.fcfs.loadgen.History.SoldOutAtDoor;
import dev.fcfs.loadgen.ReservationApi.Answer;
import dev.fcfs.loadgen.ReservationApi.EventView;
import tools.jackson.databind.JsonNode;

/**
 * Fires requests at the producer and records every answer into the material of a {@link History}.
 *
 * <p>Requests run on virtual threads where the JVM has them (Java 21+), else on a pool of platform threads; each
 * blocks its thread on its own keep-alive connection until answered, and at most {@code concurrency} requests are
 * in flight. The closed loop ({@link #fire}) sends the next request when one is answered; the open loop
 * ({@link #fireAtRate}) schedules each request at a fixed rate whatever is still in flight, and reports its latency
 * from that scheduled time (no coordinated omission).
 */
public final class LoadDriver implements AutoCloseable {

    /** Concurrent requests in flight unless told otherwise. */
    public static final int DEFAULT_CONCURRENCY = 64;

    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    private final ReservationApi api;

    private final int concurrency;

    private final ExecutorService executor;

    private final boolean virtualThreads;

    private final Listener listener;

    private final Map<UUID, Accepted> accepted = new ConcurrentHashMap<>();

    private final Queue<Refusal> refusals = new ConcurrentLinkedQueue<>();

    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    private final Queue<SoldOutAtDoor> soldOutAtDoor = new ConcurrentLinkedQueue<>();

    /** Events seen sold out by a GET: a 409 answered after that needs no GET of its own. */
    private final Set<Long> seenSoldOut = ConcurrentHashMap.newKeySet();

    private final AtomicLong validRequests = new AtomicLong();

    private final AtomicLong retried = new AtomicLong();

    private final Map<Long, Integer> capacities = new ConcurrentHashMap<>();

    /** A driver for the tests: {@link #DEFAULT_CONCURRENCY} in flight, nobody listening. */
    public LoadDriver(ReservationApi api) {
        this(api, DEFAULT_CONCURRENCY, Listener.NONE);
    }

    /**
     * @param concurrency most requests in flight (both loops, and while reading reservations back)
     * @param listener told about every answer to a request of a burst, from the thread that got it
     */
    public LoadDriver(ReservationApi api, int concurrency, Listener listener) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, not " + concurrency);
        }
        this.api = api;
        this.concurrency = concurrency;
        this.listener = listener;
        ExecutorService virtual = newVirtualThreadExecutor();
        this.virtualThreads = virtual != null;
        this.executor = (virtual != null) ? virtual : newPlatformPool(concurrency);
    }

    /** Told about each answer of a burst; must be thread-safe and quick. */
    public interface Listener {

        /** Listens to nothing. */
        Listener NONE = (request, attempt, status, latencyNanos) -> {
        };

        /**
         * @param attempt 1 for the first sending of a request, 2+ for a resend after 429/503 with Retry-After or
         * an idempotent replay
         * @param status the HTTP status, -1 for no answer
         * @param latencyNanos from the scheduled send time (first attempt) or the actual send (later attempts) to
         * the complete answer
         */
        void answered(Request request, int attempt, int status, long latencyNanos);

    }

    /** A request to send. */
    public sealed interface Request permits Reserve, Malformed {
    }

    /**
     * A valid reservation request. With an idempotency key and {@code replay}, it is sent a second time with the
     * same key once the first answer is in; the second answer must name the same reservation and position.
     */
    public record Reserve(long eventId, String userId, String idempotencyKey, boolean replay) implements Request {

        public Reserve(long eventId, String userId) {
            this(eventId, userId, null, false);
        }

    }

    /** A request that must be refused with a 4xx problem+json and change nothing. */
    public record Malformed(String description, String method, String path, String contentType, String body)
            implements Request {
    }

    public ReservationApi api() {
        return this.api;
    }

    /** Whether requests run on virtual threads (Java 21+) rather than a platform thread pool. */
    public boolean usesVirtualThreads() {
        return this.virtualThreads;
    }

    /** Creates an event and remembers its capacity for the checker. */
    public EventView createEvent(String name, int capacity) {
        EventView event = this.api.createEvent(name, capacity);
        this.capacities.put(event.id(), capacity);
        return event;
    }

    /** Takes an existing event into the history, with the capacity {@code GET /events/{id}} shows. */
    public EventView useEvent(long id) {
        EventView event = this.api.event(id);
        this.capacities.put(event.id(), event.capacity());
        return event;
    }

    /**
     * Closed loop: sends all requests in list order with at most {@code concurrency} in flight; completes when all
     * are answered. Returns at once.
     */
    public CompletableFuture<Void> fire(List<? extends Request> requests) {
        return dispatch(requests, 0);
    }

    /**
     * Open loop: schedules request i at {@code i / perSecond} seconds after the call, whatever is still in flight,
     * and measures its latency from that scheduled time (no coordinated omission). At most {@code concurrency}
     * requests are on the wire at once, as with wrk2's fixed connections: a request whose time has come waits for a
     * free connection, and that wait counts in its latency. (Unbounded, a stall of the producer turned into
     * thousands of new connections, which exhausted a 256 MiB producer heap in Tomcat's buffers.) Completes when
     * all are answered. Returns at once.
     */
    public CompletableFuture<Void> fireAtRate(List<? extends Request> requests, double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, not " + perSecond);
        }
        return dispatch(requests, perSecond);
    }

    /** The reservations accepted so far. */
    public List<Accepted> accepted() {
        return List.copyOf(this.accepted.values());
    }

    /** The events created or taken so far. */
    List<Long> eventIds() {
        return List.copyOf(this.capacities.keySet());
    }

    /**
     * Waits until every reservation accepted so far reads back as decided (not PENDING), polling only those that
     * are not yet.
     * @throws AssertionError after {@code atMost}, with how many are still undecided and how a few of them read
     */
    public void awaitAllDecided(Duration atMost) {
        Map<UUID, String> lastSeen = new ConcurrentHashMap<>();
        long undecided = awaitDecided(atMost, (decided) -> {
        }, lastSeen);
        if (undecided > 0) {
            throw new AssertionError(undecided + " of " + this.accepted.size()
                    + " accepted reservations still undecided after " + atMost + "; for example "
                    + lastSeen.values().stream().limit(10).toList());
        }
    }

    /**
     * Waits, at most {@code atMost}, until every reservation accepted so far reads back as decided, re-polling
     * only the ones still PENDING (or unreadable) every half second.
     * @param progress told how many are decided after each round of polls
     * @return how many are still undecided when it stops (0: all decided)
     */
    public long awaitDecided(Duration atMost, LongConsumer progress) {
        return awaitDecided(atMost, progress, new ConcurrentHashMap<>());
    }

    private long awaitDecided(Duration atMost, LongConsumer progress, Map<UUID, String> lastSeen) {
        long deadline = System.nanoTime() + atMost.toNanos();
        Map<UUID, Accepted> undecided = new ConcurrentHashMap<>(this.accepted);
        long total = undecided.size();
        while (true) {
            Reads reads = read(undecided.values());
            lastSeen.clear();
            lastSeen.putAll(reads.unreadable());
            reads.decisions().values().forEach((decision) -> {
                if ("PENDING".equals(decision.status())) {
                    lastSeen.put(decision.reservationId(), decision.toString());
                }
                else {
                    undecided.remove(decision.reservationId());
                }
            });
            progress.accept(total - undecided.size());
            if (undecided.isEmpty() || System.nanoTime() >= deadline) {
                return undecided.size();
            }
            LockSupport.parkNanos(Math.min(POLL_INTERVAL.toNanos(), Math.max(0, deadline - System.nanoTime())));
        }
    }

    /**
     * Reads back every accepted reservation and every created event, and returns the whole history. Reservations
     * that cannot be read back are left out of the decisions (the checker reports them as lost), with the answer
     * recorded as a failure.
     */
    public History history() {
        Reads reads = read(this.accepted.values());
        reads.unreadable().forEach((id, answer) -> this.failures.add("GET /reservations/" + id + ": " + answer));
        Map<UUID, Decision> decisions = reads.decisions();
        Map<Long, EventView> events = new ConcurrentHashMap<>();
        for (Long eventId : this.capacities.keySet()) {
            try {
                events.put(eventId, this.api.event(eventId));
            }
            catch (RuntimeException ex) {
                this.failures.add("GET /events/" + eventId + ": " + ex.getMessage());
            }
        }
        return new History(Map.copyOf(this.capacities), accepted(), decisions, events, List.copyOf(this.refusals),
                List.copyOf(this.soldOutAtDoor), this.validRequests.get(), List.copyOf(this.failures));
    }

    /**
     * How many of the reservations accepted so far are not decided yet (PENDING, or not readable at the moment).
     * Records nothing: a reservation briefly unreadable now is judged only by {@link #history()}.
     */
    public long undecidedCount() {
        Reads reads = read(this.accepted.values());
        return reads.unreadable().size() + reads.decisions()
            .values()
            .stream()
            .filter((decision) -> "PENDING".equals(decision.status()))
            .count();
    }

    /** Sum of {@code reserved} over the created events: how many seats are decided as CONFIRMED so far. */
    public int reservedSoFar() {
        return this.capacities.keySet().stream().mapToInt((id) -> this.api.event(id).reserved()).sum();
    }

    /** How many requests were sent again after a 429 or 503 with Retry-After. */
    public long retried() {
        return this.retried.get();
    }

    @Override
    public void close() {
        this.executor.shutdownNow();
        try {
            this.executor.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code Executors.newVirtualThreadPerTaskExecutor()} where it exists. Found by reflection because the build
     * targets Java 17, where the method does not exist; null there.
     */
    static ExecutorService newVirtualThreadExecutor() {
        try {
            Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) factory.invoke(null);
        }
        catch (ReflectiveOperationException | RuntimeException ex) {
            return null;
        }
    }

    private static ExecutorService newPlatformPool(int threads) {
        AtomicInteger counter = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, (task) -> {
            Thread thread = new Thread(task, "load-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * One platform thread hands the requests out: in the closed loop it waits for a free slot before each, in the
     * open loop for the request's scheduled time.
     */
    private CompletableFuture<Void> dispatch(List<? extends Request> requests, double perSecond) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<Request> copy = List.copyOf(requests);
        Semaphore slots = new Semaphore(this.concurrency);
        Thread dispatcher = new Thread(() -> {
            List<CompletableFuture<Void>> sent = new ArrayList<>(copy.size());
            long start = System.nanoTime();
            try {
                for (int i = 0; i < copy.size(); i++) {
                    Request request = copy.get(i);
                    long scheduled;
                    boolean closed = perSecond <= 0;
                    if (closed) {
                        slots.acquire();
                        scheduled = System.nanoTime();
                    }
                    else {
                        scheduled = start + (long) (i * 1_000_000_000d / perSecond);
                        parkUntil(scheduled);
                    }
                    sent.add(CompletableFuture.runAsync(() -> {
                        if (!closed) {
                            // The open loop waits for a slot here, after its scheduled time: the wait counts in
                            // its latency, and the producer never sees more than `concurrency` connections.
                            slots.acquireUninterruptibly();
                        }
                        try {
                            send(request, scheduled);
                        }
                        finally {
                            slots.release();
                        }
                    }, this.executor));
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).whenComplete((result, failure) -> {
                    if (failure != null) {
                        done.completeExceptionally(failure);
                    }
                    else {
                        done.complete(null);
                    }
                });
            }
            catch (InterruptedException ex) {
                done.completeExceptionally(ex);
            }
            catch (RejectedExecutionException ex) {
                done.completeExceptionally(ex);
            }
        }, "load-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.start();
        return done;
    }

    private static void parkUntil(long nanoTime) throws InterruptedException {
        for (long wait = nanoTime - System.nanoTime(); wait > 0; wait = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** Reads the reservations back with at most {@code concurrency} requests in flight. */
    private Reads read(Collection<Accepted> reservations) {
        Map<UUID, Decision> decisions = new ConcurrentHashMap<>();
        Map<UUID, String> unreadable = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(this.concurrency);
        List<CompletableFuture<Void>> reads = new ArrayList<>(reservations.size());
        try {
            for (Accepted reservation : reservations) {
                slots.acquire();
                reads.add(CompletableFuture.runAsync(() -> {
                    try {
                        Answer answer = this.api.reservation(reservation.reservationId(), reservation.userId());
                        if (answer.status() == 200) {
                            decisions.put(reservation.reservationId(), decision(answer.json()));
                        }
                        else {
                            unreadable.put(reservation.reservationId(), answer.toString());
                        }
                    }
                    catch (RuntimeException ex) {
                        unreadable.put(reservation.reservationId(), ex.toString());
                    }
                    finally {
                        slots.release();
                    }
                }, this.executor));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading reservations back", ex);
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).join();
        return new Reads(decisions, unreadable);
    }

    /** Reservations read back, and the answers of those that could not be. */
    private record Reads(Map<UUID, Decision> decisions, Map<UUID, String> unreadable) {
    }

    private void send(Request request, long scheduled) {
        if (request instanceof Reserve reserve) {
            reserve(reserve, scheduled);
        }
        else if (request instanceof Malformed malformed) {
            // Retried after a 503 with Retry-After as a valid request is: while Redis is down, a request for an event
            // nobody created cannot be told from one for a real event, and "retry later" is the right answer
            Answer answer = sendRetrying(request, scheduled, 1, () -> this.api.send(malformed.method(),
                    malformed.path(), malformed.contentType(), malformed.body(), Map.of()));
            this.refusals.add(new Refusal(malformed.description() + ": " + malformed.method() + " "
                    + malformed.path(), answer.status(), answer.contentType(),
                    (answer.failure() != null) ? answer.failure() : answer.body()));
        }
    }

    private void reserve(Reserve request, long scheduled) {
        this.validRequests.incrementAndGet();
        Answer answer = reserveRetrying(request, scheduled, 1);
        if (answer.status() == 409) {
            soldOutAtTheDoor(request, answer);
            return;
        }
        Accepted first = acceptedFrom(request, "", answer);
        if (first == null) {
            return;
        }
        Accepted previous = this.accepted.putIfAbsent(first.reservationId(), first);
        if (previous != null) {
            this.failures.add(describe(request) + ": answered with reservation id " + first.reservationId()
                    + ", already given to " + previous);
        }
        if (request.replay()) {
            Answer again = reserveRetrying(request, System.nanoTime(), 2);
            if (again.status() < 200 || again.status() > 299) {
                this.failures.add(describe(request) + " (replay with the same Idempotency-Key): " + again);
                return;
            }
            Accepted replayed = acceptedFrom(request, " (replay)", again);
            if (replayed != null && !replayed.equals(first)) {
                this.failures.add(describe(request) + ": replay with the same Idempotency-Key answered " + replayed
                        + ", the first request " + first);
            }
        }
    }

    /** The request as a failure names it; built only on failure, since most requests have none. */
    private static String describe(Reserve request) {
        return "POST /events/" + request.eventId() + "/reservations user " + request.userId()
                + ((request.idempotencyKey() != null) ? " key " + request.idempotencyKey() : "");
    }

    /**
     * Sends a reservation request, and again after a 429 or 503 with {@code Retry-After} (backpressure: nothing
     * was queued), as a well-behaved client would; a few times at most, and counted in {@link #retried()}.
     */
    private Answer reserveRetrying(Reserve request, long scheduled, int firstAttempt) {
        return sendRetrying(request, scheduled, firstAttempt,
                () -> this.api.reserve(request.eventId(), request.userId(), request.idempotencyKey()));
    }

    private Answer sendRetrying(Request request, long scheduled, int firstAttempt, Supplier<Answer> send) {
        Answer answer = send.get();
        this.listener.answered(request, firstAttempt, answer.status(), System.nanoTime() - scheduled);
        for (int attempt = 1; attempt <= 10 && (answer.status() == 429 || answer.status() == 503)
                && answer.header("Retry-After") != null; attempt++) {
            this.retried.incrementAndGet();
            LockSupport.parkNanos(Duration.ofMillis(200L * attempt).toNanos());
            long sentAt = System.nanoTime();
            answer = send.get();
            this.listener.answered(request, firstAttempt + attempt, answer.status(), System.nanoTime() - sentAt);
        }
        return answer;
    }

    /** A 409 is allowed once the event's last seat is committed: the event read right after must show that. */
    private void soldOutAtTheDoor(Reserve request, Answer answer) {
        int reserved = -1;
        int capacity = this.capacities.getOrDefault(request.eventId(), 0);
        if (this.seenSoldOut.contains(request.eventId())) {
            reserved = capacity;
        }
        else {
            try {
                EventView event = this.api.event(request.eventId());
                reserved = event.reserved();
                capacity = event.capacity();
                if (reserved >= capacity) {
                    this.seenSoldOut.add(request.eventId());
                }
            }
            catch (RuntimeException ex) {
                this.failures.add("GET /events/" + request.eventId() + " after a 409: " + ex.getMessage());
            }
        }
        this.soldOutAtDoor.add(new SoldOutAtDoor(request.eventId(), request.userId(), answer.status(),
                answer.contentType(), reserved, capacity));
    }

    private Accepted acceptedFrom(Reserve request, String note, Answer answer) {
        if (answer.status() != 202 && !(request.replay() && answer.status() >= 200 && answer.status() <= 299)) {
            this.failures.add(describe(request) + note + ": expected 202, got " + answer);
            return null;
        }
        try {
            JsonNode body = answer.json();
            Accepted accepted = new Accepted(UUID.fromString(body.get("reservationId").asString()),
                    body.get("eventId").asLong(), body.get("userId").asString(), body.get("position").asLong());
            String location = answer.header("Location");
            if (location == null || !location.endsWith("/reservations/" + accepted.reservationId())) {
                this.failures.add(describe(request) + note + ": Location " + location
                        + " does not name reservation " + accepted.reservationId());
            }
            if (!"PENDING".equals(body.path("status").asString(""))) {
                this.failures.add(describe(request) + note + ": 202 with status " + body.path("status")
                        + ", expected PENDING");
            }
            if (accepted.eventId() != request.eventId() || !accepted.userId().equals(request.userId())) {
                this.failures.add(describe(request) + note + ": 202 names another event or user: " + answer.body());
            }
            return accepted;
        }
        catch (RuntimeException ex) {
            this.failures.add(describe(request) + note + ": unreadable 202 body (" + ex + "): " + answer);
            return null;
        }
    }

    static Decision decision(JsonNode body) {
        JsonNode seat = body.path("seatNumber");
        JsonNode reason = body.path("reason");
        return new Decision(UUID.fromString(body.get("reservationId").asString()), body.get("eventId").asLong(),
                body.get("userId").asString(), body.get("position").asLong(), body.get("status").asString(),
                (seat.isNumber()) ? seat.asInt() : null, (reason.isString()) ? reason.asString() : null,
                instant(body.path("acceptedAt")), instant(body.path("decidedAt")));
    }

    private static Instant instant(JsonNode node) {
        return (node.isString()) ? Instant.parse(node.asString()) : null;
    }

}
