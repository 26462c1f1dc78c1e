package dev.fcfs.e2e;

import java.time.Duration;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.fcfs.e2e.History.Accepted;
import dev.fcfs.e2e.History.Decision;
import dev.fcfs.e2e.History.Refusal;
import dev.fcfs.e2e.History.SoldOutAtDoor;
import dev.fcfs.e2e.ReservationApi.Answer;
import dev.fcfs.e2e.ReservationApi.EventView;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;

/**
 * Fires requests at the producer from a fixed pool of threads (Java 17: no virtual threads) and records every
 * answer into the material of a {@link History}.
 */
final class LoadDriver implements AutoCloseable {

    /** Concurrent requests in flight. */
    static final int THREADS = 64;

    private final ReservationApi api;

    private final ExecutorService pool;

    private final Map<UUID, Accepted> accepted = new ConcurrentHashMap<>();

    private final Queue<Refusal> refusals = new ConcurrentLinkedQueue<>();

    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    private final Queue<SoldOutAtDoor> soldOutAtDoor = new ConcurrentLinkedQueue<>();

    /** Events seen sold out by a GET: a 409 answered after that needs no GET of its own. */
    private final Set<Long> seenSoldOut = ConcurrentHashMap.newKeySet();

    private final AtomicLong validRequests = new AtomicLong();

    private final AtomicLong retried = new AtomicLong();

    private final Map<Long, Integer> capacities = new ConcurrentHashMap<>();

    LoadDriver(ReservationApi api) {
        this.api = api;
        AtomicInteger counter = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(THREADS, (task) -> {
            Thread thread = new Thread(task, "load-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A request to send. */
    sealed interface Request permits Reserve, Malformed {
    }

    /**
     * A valid reservation request. With an idempotency key and {@code replay}, it is sent a second time with the
     * same key once the first answer is in; the second answer must name the same reservation and position.
     */
    record Reserve(long eventId, String userId, String idempotencyKey, boolean replay) implements Request {

        Reserve(long eventId, String userId) {
            this(eventId, userId, null, false);
        }

    }

    /** A request that must be refused with a 4xx problem+json and change nothing. */
    record Malformed(String description, String method, String path, String contentType, String body)
            implements Request {
    }

    ReservationApi api() {
        return this.api;
    }

    /** Creates an event and remembers its capacity for the checker. */
    EventView createEvent(String name, int capacity) {
        EventView event = this.api.createEvent(name, capacity);
        this.capacities.put(event.id(), capacity);
        return event;
    }

    /** Sends all requests concurrently, in list order as far as the pool allows; completes when all are answered. */
    CompletableFuture<Void> fire(List<? extends Request> requests) {
        List<CompletableFuture<Void>> sent = new ArrayList<>(requests.size());
        for (Request request : requests) {
            sent.add(CompletableFuture.runAsync(() -> send(request), this.pool));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    /** The reservations accepted so far. */
    List<Accepted> accepted() {
        return List.copyOf(this.accepted.values());
    }

    /**
     * Waits until every reservation accepted so far reads back as decided (not PENDING), polling only those that
     * are not yet.
     * @throws AssertionError after {@code atMost}, with how many are still undecided and how a few of them read
     */
    void awaitAllDecided(Duration atMost) {
        Map<UUID, Accepted> undecided = new ConcurrentHashMap<>(this.accepted);
        Map<UUID, String> lastSeen = new ConcurrentHashMap<>();
        try {
            Awaitility.await("all " + undecided.size() + " accepted reservations decided")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
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
                    return undecided.isEmpty();
                });
        }
        catch (ConditionTimeoutException ex) {
            throw new AssertionError(undecided.size() + " of " + this.accepted.size()
                    + " accepted reservations still undecided after " + atMost + "; for example "
                    + lastSeen.values().stream().limit(10).toList(), ex);
        }
    }

    /**
     * Reads back every accepted reservation and every created event, and returns the whole history. Reservations
     * that cannot be read back are left out of the decisions (the checker reports them as lost), with the answer
     * recorded as a failure.
     */
    History history() {
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
    long undecidedCount() {
        Reads reads = read(this.accepted.values());
        return reads.unreadable().size() + reads.decisions()
            .values()
            .stream()
            .filter((decision) -> "PENDING".equals(decision.status()))
            .count();
    }

    /** Sum of {@code reserved} over the created events: how many seats are decided as CONFIRMED so far. */
    int reservedSoFar() {
        return this.capacities.keySet().stream().mapToInt((id) -> this.api.event(id).reserved()).sum();
    }

    @Override
    public void close() {
        this.pool.shutdownNow();
        try {
            this.pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private Reads read(Collection<Accepted> reservations) {
        Map<UUID, Decision> decisions = new ConcurrentHashMap<>();
        Map<UUID, String> unreadable = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (Accepted reservation : reservations) {
            reads.add(CompletableFuture.runAsync(() -> {
                Answer answer = this.api.reservation(reservation.reservationId());
                if (answer.status() == 200) {
                    decisions.put(reservation.reservationId(), decision(answer.json()));
                }
                else {
                    unreadable.put(reservation.reservationId(), answer.toString());
                }
            }, this.pool));
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).join();
        return new Reads(decisions, unreadable);
    }

    /** Reservations read back, and the answers of those that could not be. */
    private record Reads(Map<UUID, Decision> decisions, Map<UUID, String> unreadable) {
    }

    private void send(Request request) {
        if (request instanceof Reserve reserve) {
            reserve(reserve);
        }
        else if (request instanceof Malformed malformed) {
            Answer answer = this.api.send(malformed.method(), malformed.path(), malformed.contentType(),
                    malformed.body(), Map.of());
            this.refusals.add(new Refusal(malformed.description() + ": " + malformed.method() + " "
                    + malformed.path(), answer.status(), answer.contentType(),
                    (answer.failure() != null) ? answer.failure() : answer.body()));
        }
    }

    private void reserve(Reserve request) {
        this.validRequests.incrementAndGet();
        String what = "POST /events/" + request.eventId() + "/reservations user " + request.userId()
                + ((request.idempotencyKey() != null) ? " key " + request.idempotencyKey() : "");
        Answer answer = reserveRetrying(request);
        if (answer.status() == 409) {
            soldOutAtTheDoor(request, answer);
            return;
        }
        Accepted first = acceptedFrom(what, answer, request);
        if (first == null) {
            return;
        }
        Accepted previous = this.accepted.putIfAbsent(first.reservationId(), first);
        if (previous != null) {
            this.failures.add(what + ": answered with reservation id " + first.reservationId()
                    + ", already given to " + previous);
        }
        if (request.replay()) {
            Answer again = reserveRetrying(request);
            if (again.status() < 200 || again.status() > 299) {
                this.failures.add(what + " (replay with the same Idempotency-Key): " + again);
                return;
            }
            Accepted replayed = acceptedFrom(what + " (replay)", again, request);
            if (replayed != null && !replayed.equals(first)) {
                this.failures.add(what + ": replay with the same Idempotency-Key answered " + replayed
                        + ", the first request " + first);
            }
        }
    }

    /**
     * Sends a reservation request, and again after a 429 or 503 with {@code Retry-After} (backpressure: nothing
     * was queued), as a well-behaved client would; a few times at most, and counted in {@link #retried()}.
     */
    private Answer reserveRetrying(Reserve request) {
        Answer answer = this.api.reserve(request.eventId(), request.userId(), request.idempotencyKey());
        for (int attempt = 1; attempt <= 10 && (answer.status() == 429 || answer.status() == 503)
                && answer.header("Retry-After") != null; attempt++) {
            this.retried.incrementAndGet();
            LockSupport.parkNanos(Duration.ofMillis(200L * attempt).toNanos());
            answer = this.api.reserve(request.eventId(), request.userId(), request.idempotencyKey());
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

    /** How many reservation requests were sent again after a 429 or 503 with Retry-After. */
    long retried() {
        return this.retried.get();
    }

    private Accepted acceptedFrom(String what, Answer answer, Reserve request) {
        if (answer.status() != 202 && !(request.replay() && answer.status() >= 200 && answer.status() <= 299)) {
            this.failures.add(what + ": expected 202, got " + answer);
            return null;
        }
        try {
            JsonNode body = answer.json();
            Accepted accepted = new Accepted(UUID.fromString(body.get("reservationId").asString()),
                    body.get("eventId").asLong(), body.get("userId").asString(), body.get("position").asLong());
            String location = answer.header("Location");
            if (location == null || !location.endsWith("/reservations/" + accepted.reservationId())) {
                this.failures.add(what + ": Location " + location + " does not name reservation "
                        + accepted.reservationId());
            }
            if (!"PENDING".equals(body.path("status").asString(""))) {
                this.failures.add(what + ": 202 with status " + body.path("status") + ", expected PENDING");
            }
            if (accepted.eventId() != request.eventId() || !accepted.userId().equals(request.userId())) {
                this.failures.add(what + ": 202 names another event or user: " + answer.body());
            }
            return accepted;
        }
        catch (RuntimeException ex) {
            this.failures.add(what + ": unreadable 202 body (" + ex + "): " + answer);
            return null;
        }
    }

    private static Decision decision(JsonNode body) {
        JsonNode seat = body.path("seatNumber");
        JsonNode reason = body.path("reason");
        return new Decision(UUID.fromString(body.get("reservationId").asString()), body.get("eventId").asLong(),
                body.get("userId").asString(), body.get("position").asLong(), body.get("status").asString(),
                (seat.isNumber()) ? seat.asInt() : null, (reason.isString()) ? reason.asString() : null);
    }

}
