package dev.fcfs.producer.admin;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which paths need the admin token, and how a missing or wrong one is answered. */
class AdminAuthIntegrationTests extends AdminIntegrationSupport {

    private static final String EVENT = "{\"name\":\"guarded\",\"capacity\":5}";

    @Test
    void refusesToCreateAnEventWithoutATokenWithABearerChallengeAndCreatesNothing() {
        long before = eventCount();

        HttpResponse<String> response = postEvent(EVENT);

        assertProblem(response, 401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                (challenge) -> assertThat(challenge).startsWith("Bearer").doesNotContain("invalid_token"));
        assertThat(eventCount()).isEqualTo(before);
    }

    @Test
    void refusesAWrongTokenWith401InvalidToken() {
        HttpResponse<String> response = postEvent(EVENT, "Authorization", "Bearer " + ADMIN_TOKEN + "x");

        assertProblem(response, 401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
            .hasValueSatisfying((challenge) -> assertThat(challenge).contains("error=\"invalid_token\""));
    }

    @Test
    void refusesOtherAuthorizationSchemes() {
        assertProblem(postEvent(EVENT, "Authorization", "Basic " + ADMIN_TOKEN), 401);
    }

    @Test
    void createsAnEventWithTheToken() {
        assertThat(postEvent(EVENT, AUTH).statusCode()).isEqualTo(201);
        // the scheme name is case-insensitive (RFC 9110)
        assertThat(postEvent(EVENT, "Authorization", "bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(201);
    }

    @Test
    void checksTheTokenBeforeTheBody() {
        assertProblem(postEvent("{not json", "Authorization", "Bearer nope-nope-nope-nope"), 401);
        assertProblem(postEvent("{not json", AUTH), 400);
    }

    @Test
    void guardsTheDeadLetterEndpoints() {
        assertProblem(get("/admin/dead-letters"), 401);
        assertProblem(send(request("/admin/dead-letters/0/requeue-all").POST(BodyPublishers.noBody())), 401);
        assertProblem(send(request("/admin/dead-letters/0/" + "a".repeat(40) + "?reason=x").DELETE()), 401);
        assertThat(adminGet("/admin/dead-letters").statusCode()).isEqualTo(200);
    }

    @Test
    void leavesThePublicPathsOpen() {
        long eventId = createEventAsAdmin("public", 5);

        HttpResponse<String> reserved = reserve(eventId, "u-1");
        assertThat(reserved.statusCode()).isEqualTo(202);
        assertThat(get("/events/" + eventId).statusCode()).isEqualTo(200);
        assertThat(get("/reservations/" + body(reserved).path("reservationId").asString()).statusCode())
            .isEqualTo(200);
        assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/data").statusCode()).isEqualTo(200);
        assertThat(get("/v3/api-docs").statusCode()).isEqualTo(200);
    }

    /**
     * {@code POST /events} with exactly the given headers: the base class's {@code request} adds the admin token to
     * every request for {@code /events}, which these tests must be able to leave out or get wrong.
     */
    private HttpResponse<String> postEvent(String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/events"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", JSON)
            .POST(BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private long eventCount() {
        return this.jdbc.sql("SELECT count(*) FROM events").query(Long.class).single();
    }

}
