package dev.fcfs.producer;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.TestServers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The running service on a random port, against the real Redis and PostgreSQL of {@link TestServers}
 * (a database and key prefix of its own), with helpers to talk HTTP to it and to look at Redis and PostgreSQL
 * directly. Every subclass with no further configuration shares one application context.
 */
// a few connections per context: the suite keeps up to three contexts open against a PostgreSQL others share; no
// start-up warm-up, except in the test of the warm-up itself (seconds per context, and nothing the others test)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.datasource.hikari.maximum-pool-size=4", "spring.datasource.hikari.minimum-idle=1",
                "reservation.warmup.enabled=false",
                "reservation.admin.token=" + ProducerIntegrationSupport.ADMIN_TOKEN })
@Import(TestServers.class)
public abstract class ProducerIntegrationSupport {

    protected static final String JSON = "application/json";

    protected static final String PROBLEM_JSON = "application/problem+json";

    /** The admin token of the test contexts, sent with every request to {@code /events} (see {@link #request}). */
    protected static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    private static final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    protected final JsonMapper json = JsonMapper.builder().build();

    protected final JobCodec codec = new JobCodec();

    @LocalServerPort
    protected int port;

    @Autowired
    protected StringRedisTemplate redis;

    @Autowired
    protected QueueKeys keys;

    @Autowired
    protected JdbcClient jdbc;

    protected HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    protected HttpResponse<String> postJson(String path, String body, String... headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", JSON).POST(BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A body without Content-Length: HTTP/1.1 sends it chunked. */
    protected static BodyPublisher chunked(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes));
    }

    /** A request to the service; one to {@code /events} carries the admin token, like an operator's client. */
    protected HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
            .timeout(Duration.ofSeconds(20));
        if ("/events".equals(path)) {
            request.header("Authorization", "Bearer " + ADMIN_TOKEN);
        }
        return request;
    }

    protected HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), BodyHandlers.ofString());
        }
        catch (Exception ex) {
            throw new IllegalStateException("HTTP request failed: " + ex, ex);
        }
    }

    protected JsonNode body(HttpResponse<String> response) {
        return this.json.readTree(response.body());
    }

    protected static String contentType(HttpResponse<String> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    /** Asserts an RFC 9457 problem with the given status and returns its body. */
    protected JsonNode assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
        JsonNode problem = body(response);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").isString()).as("type in %s", problem).isTrue();
        assertThat(problem.path("title").asString()).isNotBlank();
        assertThat(problem.path("detail").asString()).isNotBlank();
        return problem;
    }

    protected long createEvent(String name, int capacity) {
        HttpResponse<String> response = postJson("/events",
                "{\"name\":\"" + name + "\",\"capacity\":" + capacity + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return body(response).path("id").asLong();
    }

    protected HttpResponse<String> reserve(long eventId, String userId, String... headers) {
        return postJson("/events/" + eventId + "/reservations", "{\"userId\":\"" + userId + "\"}", headers);
    }

    /** Reserves and asserts the 202; returns the body. */
    protected JsonNode reserveAccepted(long eventId, String userId, String... headers) {
        HttpResponse<String> response = reserve(eventId, userId, headers);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return body(response);
    }

    /** The jobs on a shard's queue, oldest (next to be served, at the tail) first. */
    protected List<ReservationJob> queuedJobs(int shard) {
        List<String> jobs = new ArrayList<>(this.redis.opsForList().range(this.keys.queue(shard), 0, -1));
        Collections.reverse(jobs);
        return jobs.stream().map(this.codec::decode).toList();
    }

    protected String eventField(long eventId, String field) {
        return this.redis.<String, String>opsForHash().get(this.keys.event(eventId), field);
    }

    /** The keys that match a Redis glob pattern ({@code SCAN ... MATCH}). */
    protected List<String> keysMatching(String pattern) {
        List<String> found = new ArrayList<>();
        try (Cursor<String> cursor = this.redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return found;
    }

    /**
     * Everything this run holds in Redis (every key under the prefix with its content) and the row counts of
     * PostgreSQL: equal snapshots before and after a request mean it had no effect.
     */
    protected Map<String, Object> stateSnapshot() {
        Map<String, Object> state = new TreeMap<>();
        ScanOptions match = ScanOptions.scanOptions().match(this.keys.allKeysPattern()).count(1000).build();
        try (Cursor<String> cursor = this.redis.scan(match)) {
            cursor.forEachRemaining((key) -> state.put(key, switch (this.redis.type(key)) {
                case LIST -> this.redis.opsForList().range(key, 0, -1);
                case HASH -> new TreeMap<>(this.redis.opsForHash().entries(key));
                case STRING -> String.valueOf(this.redis.opsForValue().get(key));
                default -> "other";
            }));
        }
        state.put("pg.events", this.jdbc.sql("SELECT count(*) FROM events").query(Long.class).single());
        state.put("pg.reservations", this.jdbc.sql("SELECT count(*) FROM reservations").query(Long.class).single());
        return state;
    }

    /** Inserts a decided row the way the consumer does (it commits first, then removes the pending entry). */
    protected void insertDecision(ReservationJob job, String status, String reason, Integer seat) {
        int capacity = this.jdbc.sql("SELECT capacity FROM events WHERE id = ?")
            .param(job.eventId())
            .query(Integer.class)
            .single();
        this.jdbc.sql("""
                INSERT INTO reservations (id, event_id, event_capacity, user_id, position, status, reason, seat_number,
                                          accepted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
            .params(job.reservationId(), job.eventId(), capacity, job.userId(), job.position(), status, reason, seat,
                    Timestamp.from(job.acceptedAt()))
            .update();
    }

    protected ReservationJob pendingJob(UUID reservationId, long eventId) {
        String raw = this.redis.<String, String>opsForHash()
            .get(this.keys.pending(this.keys.shardOf(eventId)), reservationId.toString());
        assertThat(raw).as("pending entry of %s", reservationId).isNotNull();
        return this.codec.decode(raw);
    }

}
