package dev.fcfs.producer.event;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import dev.fcfs.producer.admin.AdminIntegrationSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sale windows end to end: set at creation, shown by {@code GET /events/{id}}, enforced by the accept script against
 * Redis's clock (409 not-open with {@code Retry-After}, 409 closed; nothing queued, no position used), and moved by
 * an admin with {@code PATCH /events/{id}} only until the event opens.
 */
class SaleWindowIntegrationTests extends AdminIntegrationSupport {

    @Test
    void createsAnEventWithASaleWindowAndShowsItInPostgresRedisAndTheApi() {
        Instant opensAt = Instant.parse("2030-06-01T10:00:00Z");
        HttpResponse<String> created = createWithWindow("windowed", "\"2030-06-01T12:00:00+02:00\"",
                "\"2030-06-01T11:30:00.123456Z\"");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = body(created).path("id").asLong();
        for (JsonNode event : new JsonNode[] { body(created), body(get("/events/" + id)) }) {
            assertThat(event.path("opensAt").asString()).isEqualTo("2030-06-01T10:00:00Z");
            // whole milliseconds, as Redis holds it
            assertThat(event.path("closesAt").asString()).isEqualTo("2030-06-01T11:30:00.123Z");
        }
        assertThat(eventField(id, "opensAt")).isEqualTo(Long.toString(opensAt.toEpochMilli()));
        assertThat(eventField(id, "closesAt"))
            .isEqualTo(Long.toString(Instant.parse("2030-06-01T11:30:00.123Z").toEpochMilli()));
        assertThat(this.jdbc.sql("SELECT opens_at FROM events WHERE id = ?").param(id).query(Instant.class).single())
            .isEqualTo(opensAt);
    }

    @Test
    void anEventWithoutAWindowIsOpenAtOnceAsBefore() {
        long id = createEventAsAdmin("always", 5);

        JsonNode event = body(get("/events/" + id));
        assertThat(event.path("opensAt").isNull()).isTrue();
        assertThat(event.path("closesAt").isNull()).isTrue();
        assertThat(reserveAccepted(id, "u-1").path("position").asLong()).isEqualTo(1);
    }

    @Test
    void refusesAWindowThatIsNotAnInstantWithAnOffsetOrIsOutOfOrderAndCreatesNothing() {
        long before = eventCount();

        for (String[] window : new String[][] { { "\"2030-06-01T10:00:00\"", "null" }, { "\"tomorrow\"", "null" },
                { "\"2030-02-30T10:00:00Z\"", "null" }, { "null", "\"2030-06-01\"" }, { "1893456000", "null" },
                { "\"2030-06-01T10:00:00Z\"", "\"2030-06-01T10:00:00Z\"" },
                { "\"2030-06-01T10:00:00Z\"", "\"2030-06-01T09:00:00Z\"" } }) {
            HttpResponse<String> response = createWithWindow("bad", window[0], window[1]);
            assertProblem(response, 400);
        }
        JsonNode problem = body(createWithWindow("bad", "\"2030-06-01T10:00:00Z\"", "\"2030-06-01T09:00:00Z\""));
        assertThat(problem.path("errors").get(0).path("field").asString()).isEqualTo("closesAt");
        assertThat(eventCount()).isEqualTo(before);
    }

    @Test
    void refusesReservationsBeforeTheOpeningWithRetryAfterAndUsesNoPosition() {
        Instant opensAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        long id = createdWithWindow("later", opensAt, null);
        Map<String, Object> before = stateSnapshot();

        for (String[] headers : new String[][] { {}, { "Idempotency-Key", "early-bird" } }) {
            HttpResponse<String> response = reserve(id, "early", headers);

            JsonNode problem = assertProblem(response, 409);
            assertThat(problem.path("type").asString()).isEqualTo("/problems/not-open");
            assertThat(problem.path("opensAt").asString()).isEqualTo(opensAt.toString());
            assertThat(problem.path("instance").asString()).isEqualTo("/events/" + id + "/reservations");
            assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
                    (seconds) -> assertThat(Long.parseLong(seconds)).isBetween(3500L, 3600L));
        }
        assertThat(stateSnapshot()).isEqualTo(before);
        assertThat(get("/actuator/prometheus").body())
            .containsPattern("reservation_requests_total\\{[^}]*outcome=\"not_open\"[^}]*} [1-9]");

        // opened early by the admin: the first request gets the first position
        assertThat(patch(id, "{\"opensAt\":null}", AUTH).statusCode()).isEqualTo(200);
        assertThat(reserveAccepted(id, "first").path("position").asLong()).isEqualTo(1);
    }

    @Test
    void refusesReservationsAfterTheClosingWithoutRetryAfterButStillAnswersAnEarlierRequestsRetry() {
        Instant closesAt = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.MILLIS);
        long id = createdWithWindow("closing", null, closesAt);
        JsonNode accepted = reserveAccepted(id, "in-time", "Idempotency-Key", "in-time-1");

        // Redis runs on this machine: its clock is this clock
        await().atMost(Duration.ofSeconds(15)).until(() -> Instant.now().isAfter(closesAt.plusMillis(100)));
        Map<String, Object> before = stateSnapshot();
        HttpResponse<String> late = reserve(id, "late");

        JsonNode problem = assertProblem(late, 409);
        assertThat(problem.path("type").asString()).isEqualTo("/problems/closed");
        assertThat(problem.path("closesAt").asString()).isEqualTo(closesAt.toString());
        assertThat(late.headers().firstValue("Retry-After")).isEmpty();
        assertThat(stateSnapshot()).isEqualTo(before);
        HttpResponse<String> retry = reserve(id, "in-time", "Idempotency-Key", "in-time-1");
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(body(retry).path("reservationId").asString())
            .isEqualTo(accepted.path("reservationId").asString());
        assertThat(eventField(id, "seq")).isEqualTo("1");
    }

    @Test
    void anAdminMovesTheWindowBeforeTheEventOpens() {
        Instant opensAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        long id = createdWithWindow("movable", opensAt, null);
        Instant later = opensAt.plus(1, ChronoUnit.HOURS);
        Instant closing = opensAt.plus(2, ChronoUnit.HOURS);

        HttpResponse<String> response = patch(id,
                "{\"opensAt\":\"" + later + "\",\"closesAt\":\"" + closing + "\"}", AUTH);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(body(response).path("opensAt").asString()).isEqualTo(later.toString());
        assertThat(body(get("/events/" + id)).path("closesAt").asString()).isEqualTo(closing.toString());
        assertThat(eventField(id, "opensAt")).isEqualTo(Long.toString(later.toEpochMilli()));
        assertThat(eventField(id, "closesAt")).isEqualTo(Long.toString(closing.toEpochMilli()));

        // a field left out keeps its value; null removes the bound
        assertThat(patch(id, "{\"closesAt\":null}", AUTH).statusCode()).isEqualTo(200);
        JsonNode event = body(get("/events/" + id));
        assertThat(event.path("opensAt").asString()).isEqualTo(later.toString());
        assertThat(event.path("closesAt").isNull()).isTrue();
        assertThat(this.redis.opsForHash().hasKey(this.keys.event(id), "closesAt")).isFalse();
    }

    @Test
    void refusesToMoveTheWindowOfAnEventThatHasOpenedAndChangesNothing() {
        long alwaysOpen = createEventAsAdmin("open", 5);
        long opened = createdWithWindow("opened", Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS),
                null);
        String future = "{\"opensAt\":\"" + Instant.now().plus(1, ChronoUnit.DAYS) + "\"}";

        for (long id : new long[] { alwaysOpen, opened }) {
            Map<String, Object> before = stateSnapshot();
            String row = windowRow(id);
            JsonNode problem = assertProblem(patch(id, future, AUTH), 409);
            assertThat(problem.path("type").asString()).isEqualTo("/problems/already-open");
            assertThat(stateSnapshot()).isEqualTo(before);
            assertThat(windowRow(id)).isEqualTo(row);
        }
    }

    @Test
    void refusesAnInvalidPatchAndChangesNothing() {
        Instant opensAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        long id = createdWithWindow("strict", opensAt, null);
        String row = windowRow(id);

        assertProblem(patch(id, "{\"closesAt\":\"" + opensAt.minusSeconds(1) + "\"}", AUTH), 400);
        assertProblem(patch(id, "{\"opensAt\":\"2030-06-01T10:00\"}", AUTH), 400);
        assertProblem(patch(id, "{\"opensAt\":1893456000}", AUTH), 400);
        assertProblem(patch(id, "{\"name\":\"renamed\"}", AUTH), 400);
        assertProblem(patch(id, "{}", AUTH), 400);
        assertProblem(patch(id, "{not json", AUTH), 400);
        assertProblem(patch(id + 1_000_000, "{\"opensAt\":null}", AUTH), 404);

        assertThat(windowRow(id)).isEqualTo(row);
        assertThat(eventField(id, "opensAt")).isEqualTo(Long.toString(opensAt.toEpochMilli()));
    }

    @Test
    void movingTheWindowNeedsTheAdminTokenWhileReadingTheEventDoesNot() {
        Instant opensAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        long id = createdWithWindow("guarded", opensAt, null);

        HttpResponse<String> anonymous = patch(id, "{\"opensAt\":null}");
        assertProblem(anonymous, 401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                (challenge) -> assertThat(challenge).startsWith("Bearer"));
        assertProblem(patch(id, "{\"opensAt\":null}", "Authorization", "Bearer " + ADMIN_TOKEN + "x"), 401);
        assertThat(get("/events/" + id).statusCode()).isEqualTo(200);
        assertThat(eventField(id, "opensAt")).isEqualTo(Long.toString(opensAt.toEpochMilli()));
    }

    @Test
    void movesTheWindowOfAnEventRedisHasLost() {
        Instant opensAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        long id = createdWithWindow("lost", opensAt, null);
        this.redis.delete(this.keys.event(id));
        Instant later = opensAt.plus(1, ChronoUnit.HOURS);

        assertThat(patch(id, "{\"opensAt\":\"" + later + "\"}", AUTH).statusCode()).isEqualTo(200);

        assertThat(eventField(id, "opensAt")).isEqualTo(Long.toString(later.toEpochMilli()));
        assertProblem(reserve(id, "early"), 409);
    }

    private HttpResponse<String> createWithWindow(String name, String opensAt, String closesAt) {
        return postJson("/events", "{\"name\":\"" + name + "\",\"capacity\":5,\"opensAt\":" + opensAt
                + ",\"closesAt\":" + closesAt + "}", AUTH);
    }

    private long createdWithWindow(String name, Instant opensAt, Instant closesAt) {
        HttpResponse<String> response = createWithWindow(name, (opensAt != null) ? "\"" + opensAt + "\"" : "null",
                (closesAt != null) ? "\"" + closesAt + "\"" : "null");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return body(response).path("id").asLong();
    }

    /** {@code PATCH /events/{id}} with exactly the given headers (the base class adds none for this path). */
    private HttpResponse<String> patch(long id, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest
            .newBuilder(URI.create("http://127.0.0.1:" + this.port + "/events/" + id))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", JSON)
            .method("PATCH", BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private String windowRow(long id) {
        return this.jdbc.sql("SELECT coalesce(opens_at::text, '-') || ' ' || coalesce(closes_at::text, '-') "
                + "FROM events WHERE id = ?").param(id).query(String.class).single();
    }

    private long eventCount() {
        return this.jdbc.sql("SELECT count(*) FROM events").query(Long.class).single();
    }

}
