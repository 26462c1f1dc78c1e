package dev.fcfs.loadgen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The producer's HTTP API in memory, for the tests: it decides each reservation as it accepts it, by the same
 * rules as the real worker, so that a run against it passes the invariant check.
 */
final class FakeProducer implements AutoCloseable {

    static {
        // The JDK server writes head and body separately: without this, every answer waits for a delayed ACK.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final JsonMapper json = JsonMapper.builder().build();

    private final HttpServer server;

    private final ExecutorService executor = Executors.newFixedThreadPool(8);

    private final Map<Long, Event> events = new HashMap<>();

    private final Map<UUID, String> reservations = new HashMap<>();

    /** The 202 (body and Location) given to each Idempotency-Key, answered again to a replay. */
    private final Map<String, String[]> byIdempotencyKey = new HashMap<>();

    private long lastEventId;

    private FakeProducer() throws IOException {
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        this.server.setExecutor(this.executor);
        this.server.createContext("/", this::handle);
        this.server.start();
    }

    static FakeProducer start() throws IOException {
        return new FakeProducer();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
        this.server.stop(0);
        this.executor.shutdownNow();
    }

    private static final class Event {

        final long id;

        final String name;

        final int capacity;

        long lastPosition;

        int reserved;

        final Set<String> users = new HashSet<>();

        Event(long id, String name, int capacity) {
            this.id = id;
            this.name = name;
            this.capacity = capacity;
        }

    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            answer(exchange);
        }
        catch (IOException | RuntimeException ex) {
            ex.printStackTrace();
            throw ex;
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String[] path = exchange.getRequestURI().getRawPath().split("/");
            String method = exchange.getRequestMethod();
            synchronized (this) {
                if (path.length == 2 && path[1].equals("events") && method.equals("POST")) {
                    JsonNode request = this.json.readTree(body);
                    Event event = new Event(++this.lastEventId, request.get("name").asString(),
                            request.get("capacity").asInt());
                    this.events.put(event.id, event);
                    exchange.getResponseHeaders().add("Location", "/events/" + event.id);
                    send(exchange, 201, "application/json", eventJson(event));
                }
                else if (path.length >= 3 && path[1].equals("events")) {
                    Event event = this.events.get(parseId(path[2]));
                    if (event == null) {
                        problem(exchange, 404);
                    }
                    else if (path.length == 3 && method.equals("GET")) {
                        send(exchange, 200, "application/json", eventJson(event));
                    }
                    else if (path.length == 4 && path[3].equals("reservations") && method.equals("POST")) {
                        reserve(exchange, event, body);
                    }
                    else {
                        problem(exchange, 405);
                    }
                }
                else if (path.length == 3 && path[1].equals("reservations") && method.equals("GET")) {
                    String reservation = this.reservations.get(parseUuid(path[2]));
                    if (reservation == null) {
                        problem(exchange, 404);
                    }
                    else {
                        send(exchange, 200, "application/json", reservation);
                    }
                }
                else {
                    problem(exchange, 404);
                }
            }
        }
        catch (BadRequest ex) {
            problem(exchange, 400);
        }
    }

    private void reserve(HttpExchange exchange, Event event, byte[] body) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.startsWith("application/json")) {
            problem(exchange, 415);
            return;
        }
        if (body.length > 16 * 1024) {
            problem(exchange, 413);
            return;
        }
        JsonNode request;
        try {
            request = this.json.readTree(body);
        }
        catch (RuntimeException ex) {
            problem(exchange, 400);
            return;
        }
        JsonNode user = (request != null && request.isObject()) ? request.get("userId") : null;
        if (user == null || !user.isString() || user.asString().isBlank() || user.asString().length() > 64) {
            problem(exchange, 400);
            return;
        }
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        String[] earlier = (key != null) ? this.byIdempotencyKey.get(key) : null;
        if (earlier != null) {
            exchange.getResponseHeaders().add("Location", earlier[1]);
            send(exchange, 202, "application/json", earlier[0]);
            return;
        }
        if (event.reserved == event.capacity) {
            problem(exchange, 409);
            return;
        }
        String userId = user.asString();
        long position = ++event.lastPosition;
        UUID id = UUID.randomUUID();
        String decision;
        if (!event.users.add(userId)) {
            decision = "\"status\":\"REJECTED\",\"seatNumber\":null,\"reason\":\"DUPLICATE\"";
        }
        else if (event.reserved < event.capacity) {
            decision = "\"status\":\"CONFIRMED\",\"seatNumber\":" + ++event.reserved + ",\"reason\":null";
        }
        else {
            decision = "\"status\":\"REJECTED\",\"seatNumber\":null,\"reason\":\"SOLD_OUT\"";
        }
        String now = Instant.now().toString();
        String common = "\"reservationId\":\"" + id + "\",\"eventId\":" + event.id + ",\"userId\":"
                + ReservationApi.jsonString(userId) + ",\"position\":" + position;
        this.reservations.put(id, "{" + common + "," + decision + ",\"acceptedAt\":\"" + now + "\",\"decidedAt\":\""
                + now + "\"}");
        String answer = "{" + common + ",\"status\":\"PENDING\"}";
        if (key != null) {
            this.byIdempotencyKey.put(key, new String[] { answer, "/reservations/" + id });
        }
        exchange.getResponseHeaders().add("Location", "/reservations/" + id);
        send(exchange, 202, "application/json", answer);
    }

    private static String eventJson(Event event) {
        return "{\"id\":" + event.id + ",\"name\":\"" + event.name + "\",\"capacity\":" + event.capacity
                + ",\"reserved\":" + event.reserved + ",\"remaining\":" + (event.capacity - event.reserved) + "}";
    }

    private static long parseId(String text) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        }
        catch (NumberFormatException ex) {
            // Refused below.
        }
        throw new BadRequest();
    }

    private static UUID parseUuid(String text) {
        try {
            return UUID.fromString(text);
        }
        catch (IllegalArgumentException ex) {
            throw new BadRequest();
        }
    }

    private static void problem(HttpExchange exchange, int status) throws IOException {
        send(exchange, status, "application/problem+json", "{\"type\":\"about:blank\",\"status\":" + status + "}");
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static final class BadRequest extends RuntimeException {

    }

}
