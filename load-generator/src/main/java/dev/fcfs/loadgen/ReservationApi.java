package dev.fcfs.loadgen;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The producer's HTTP API as a black box: every call is a real request over HTTP/1.1 keep-alive connections, every
 * answer is read from JSON. Safe to use from many threads at once; each request blocks its thread until answered.
 */
public final class ReservationApi implements AutoCloseable {

    public static final String PROBLEM_JSON = "application/problem+json";

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;

    private final Http1Client client;

    private final JsonMapper json = JsonMapper.builder().build();

    private final String adminToken;

    private final Map<String, String> userAuthorizations;

    /** An API whose events are created without credentials. */
    public ReservationApi(URI base) {
        this(base, null);
    }

    /**
     * @param adminToken sent as {@code Authorization: Bearer <token>} with {@code POST /events} (the operator
     * call that needs it); null for none
     */
    public ReservationApi(URI base, String adminToken) {
        this(base, adminToken, Map.of());
    }

    /**
     * @param userTokens bearer token of each user id, sent with that user's reservations and reads of them (a
     * producer in jwt identity mode); users not in it are sent without
     */
    public ReservationApi(URI base, String adminToken, Map<String, String> userTokens) {
        this.base = base;
        this.adminToken = adminToken;
        Map<String, String> authorizations = new HashMap<>();
        userTokens.forEach((user, token) -> authorizations.put(user, "Bearer " + token));
        this.userAuthorizations = Map.copyOf(authorizations);
        this.client = new Http1Client(base, Duration.ofSeconds(5), REQUEST_TIMEOUT);
    }

    /**
     * Reads a file of {@code <userId> <token>} lines (blank lines and lines starting with {@code #} skipped).
     * @throws IllegalArgumentException for a line that is not two fields, or a user named twice
     */
    public static Map<String, String> readUserTokens(Path file) throws IOException {
        Map<String, String> tokens = new HashMap<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+");
            if (fields.length != 2) {
                throw new IllegalArgumentException(file + ":" + number + ": expected '<userId> <token>'");
            }
            if (tokens.put(fields[0], fields[1]) != null) {
                throw new IllegalArgumentException(file + ":" + number + ": user " + fields[0] + " named twice");
            }
        }
        return tokens;
    }

    /** {@code POST /events}; fails unless the answer is 201 with a Location and the event as sent. */
    public EventView createEvent(String name, int capacity) {
        Map<String, String> headers = (this.adminToken != null) ? Map.of("Authorization", "Bearer " + this.adminToken)
                : Map.of();
        Answer answer = send("POST", "/events", "application/json",
                this.json.writeValueAsString(Map.of("name", name, "capacity", capacity)), headers);
        if (answer.status() != 201 || answer.header("Location") == null) {
            throw new IllegalStateException("POST /events " + name + " answered " + answer);
        }
        EventView event = EventView.from(answer.json());
        if (event.capacity() != capacity || event.reserved() != 0 || event.remaining() != capacity) {
            throw new IllegalStateException("POST /events " + name + " created " + event);
        }
        return event;
    }

    /** {@code GET /events/{id}}. */
    public EventView event(long id) {
        Answer answer = send("GET", "/events/" + id, null, null, Map.of());
        if (answer.status() != 200) {
            throw new IllegalStateException("GET /events/" + id + " answered " + answer);
        }
        return EventView.from(answer.json());
    }

    /** {@code POST /events/{id}/reservations} for a user, with an {@code Idempotency-Key} unless it is null. */
    public Answer reserve(long eventId, String userId, String idempotencyKey) {
        Map<String, String> headers = new HashMap<>(2);
        if (idempotencyKey != null) {
            headers.put("Idempotency-Key", idempotencyKey);
        }
        String authorization = this.userAuthorizations.get(userId);
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        return send("POST", "/events/" + eventId + "/reservations", "application/json",
                "{\"userId\":" + jsonString(userId) + "}", headers);
    }

    /** {@code GET /reservations/{id}}. */
    public Answer reservation(UUID id) {
        return send("GET", "/reservations/" + id, null, null, Map.of());
    }

    /** {@code GET /reservations/{id}} as its user (with the user's token, if there is one). */
    public Answer reservation(UUID id, String userId) {
        String authorization = this.userAuthorizations.get(userId);
        return send("GET", "/reservations/" + id, null, null,
                (authorization != null) ? Map.of("Authorization", authorization) : Map.of());
    }

    /**
     * Any request, answered or not: transport failures are returned as an answer with status -1 so that a burst
     * can record them instead of stopping.
     * @param contentType null for none
     * @param body null for no body
     */
    public Answer send(String method, String path, String contentType, String body, Map<String, String> headers) {
        String target = path;
        if (!path.startsWith("/")) {
            URI resolved = this.base.resolve(path);
            target = resolved.getRawPath() + ((resolved.getRawQuery() != null) ? "?" + resolved.getRawQuery() : "");
        }
        try {
            Http1Client.Response response = this.client.send(method, target, contentType, headers,
                    (body != null) ? body.getBytes(StandardCharsets.UTF_8) : null);
            return new Answer(response.status(), response.headers(), response.body(), null, this.json);
        }
        catch (IOException ex) {
            return new Answer(-1, Map.of(), "", ex.toString(), this.json);
        }
    }

    /** Closes the idle connections. */
    @Override
    public void close() {
        this.client.close();
    }

    /** A JSON string literal, so that a request body needs no object mapper. */
    static String jsonString(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            }
            else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            }
            else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** One answer (or a transport failure, status -1). Header names compare case-insensitively. */
    public record Answer(int status, Map<String, List<String>> headers, String body, String failure,
            JsonMapper mapper) {

        public Answer {
            if (!(headers instanceof SortedMap<String, List<String>> sorted
                    && sorted.comparator() == String.CASE_INSENSITIVE_ORDER)) {
                SortedMap<String, List<String>> anyCase = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                anyCase.putAll(headers);
                headers = Collections.unmodifiableSortedMap(anyCase);
            }
        }

        /** The first value of a header, null if absent. */
        public String header(String name) {
            List<String> values = this.headers.get(name);
            return (values == null || values.isEmpty()) ? null : values.get(0);
        }

        public String contentType() {
            return header("Content-Type");
        }

        public boolean isProblem() {
            String type = contentType();
            return type != null && type.toLowerCase(Locale.ROOT).startsWith(PROBLEM_JSON);
        }

        public JsonNode json() {
            return this.mapper.readTree(this.body);
        }

        @Override
        public String toString() {
            if (this.failure != null) {
                return "no answer (" + this.failure + ")";
            }
            String shown = (this.body.length() > 300) ? this.body.substring(0, 300) + "..." : this.body;
            return this.status + " " + contentType() + " " + shown;
        }

    }

    /** The event as {@code GET /events/{id}} shows it. */
    public record EventView(long id, String name, int capacity, int reserved, int remaining) {

        public static EventView from(JsonNode node) {
            return new EventView(node.get("id").asLong(), node.get("name").asString(), node.get("capacity").asInt(),
                    node.get("reserved").asInt(), node.get("remaining").asInt());
        }

    }

}
