package dev.fcfs.producer.security;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.job.ReservationJob;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reservation.identity.mode=jwt} against a local issuer ({@link TestIssuer}): the reservation's user is the
 * token's, a reservation is shown to its owner only, and the admin paths take the static admin token or a JWT with
 * the admin scope. Body mode is pinned by the admin and reservation tests that run without these settings.
 */
class JwtIdentityIntegrationTests extends ProducerIntegrationSupport {

    private static final TestIssuer issuer = TestIssuer.get();

    private static final String EVENT = "{\"name\":\"guarded\",\"capacity\":5}";

    @DynamicPropertySource
    static void jwtMode(DynamicPropertyRegistry registry) {
        registry.add("reservation.identity.mode", () -> "jwt");
        registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", issuer::jwkSetUri);
    }

    @Test
    void reservesForTheTokensUserWhenTheBodyNamesNoneOrTheSame() {
        long eventId = createEvent("jwt-own", 10);

        HttpResponse<String> omitted = postAs(issuer.user("alice"), "/events/" + eventId + "/reservations", "{}");
        HttpResponse<String> same = postAs(issuer.user("bob"), "/events/" + eventId + "/reservations",
                "{\"userId\":\"bob\"}");

        assertThat(omitted.statusCode()).as(omitted.body()).isEqualTo(202);
        assertThat(body(omitted).path("userId").asString()).isEqualTo("alice");
        assertThat(same.statusCode()).as(same.body()).isEqualTo(202);
        assertThat(queuedJobs(this.keys.shardOf(eventId))).extracting(ReservationJob::userId)
            .containsExactly("alice", "bob");
    }

    @Test
    void refusesABodyUserOtherThanTheTokensWith403AndQueuesNothing() {
        long eventId = createEvent("jwt-other", 10);
        Map<String, Object> before = stateSnapshot();

        HttpResponse<String> response = postAs(issuer.user("alice"), "/events/" + eventId + "/reservations",
                "{\"userId\":\"mallory\"}");

        JsonNode problem = assertProblem(response, 403);
        assertThat(problem.path("type").asString()).isEqualTo("/problems/user-mismatch");
        assertThat(problem.path("detail").asString()).contains("'sub'");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                (challenge) -> assertThat(challenge).startsWith("Bearer").contains("insufficient_scope"));
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void refusesAMissingTokenWithAPlainBearerChallenge() {
        long eventId = createEvent("jwt-none", 10);
        Map<String, Object> before = stateSnapshot();

        HttpResponse<String> response = reserve(eventId, "alice");

        assertProblem(response, 401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                (challenge) -> assertThat(challenge).startsWith("Bearer").doesNotContain("error="));
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void refusesExpiredForgedAndMalformedTokensWith401InvalidToken() {
        long eventId = createEvent("jwt-bad", 10);
        Map<String, Object> before = stateSnapshot();

        for (String token : new String[] { issuer.expired("alice"), issuer.forged("alice"), "not.a.jwt",
                ADMIN_TOKEN }) {
            HttpResponse<String> response = postAs(token, "/events/" + eventId + "/reservations", "{}");

            assertProblem(response, 401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(token).hasValueSatisfying(
                    (challenge) -> assertThat(challenge).startsWith("Bearer").contains("error=\"invalid_token\""));
        }
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void refusesATokenWhoseUserClaimIsNoValidUserIdWith403() {
        long eventId = createEvent("jwt-claim", 10);
        Map<String, Object> before = stateSnapshot();

        for (String token : new String[] { issuer.withClaims(Map.of("sub", "x".repeat(65))),
                issuer.withClaims(Map.of("sub", "tab\there")), issuer.withClaims(Map.of("scope", "reservations")) }) {
            HttpResponse<String> response = postAs(token, "/events/" + eventId + "/reservations", "{}");

            assertThat(assertProblem(response, 403).path("type").asString()).isEqualTo("/problems/invalid-user-claim");
        }
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void showsAReservationToItsOwnerOnlyAndAsUnknownToAnyoneElse() {
        long eventId = createEvent("jwt-read", 10);
        HttpResponse<String> accepted = postAs(issuer.user("alice"), "/events/" + eventId + "/reservations", "{}");
        String path = "/reservations/" + body(accepted).path("reservationId").asString();

        HttpResponse<String> own = getAs(issuer.user("alice"), path);
        HttpResponse<String> other = getAs(issuer.user("bob"), path);
        HttpResponse<String> unknown = getAs(issuer.user("bob"),
                "/reservations/00000000-0000-7000-8000-000000000000");

        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(body(own).path("userId").asString()).isEqualTo("alice");
        JsonNode hidden = assertProblem(other, 404);
        assertThat(hidden.path("detail").asString()).isEqualTo(
                assertProblem(unknown, 404).path("detail").asString().replace("00000000-0000-7000-8000-000000000000",
                        path.substring("/reservations/".length())));
        assertProblem(get(path), 401);
    }

    @Test
    void letsTheStaticAdminTokenAndAnAdminScopedTokenCreateEvents() {
        assertThat(postEvent("Bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(201);
        assertThat(postEvent("Bearer " + issuer.admin("ops")).statusCode()).isEqualTo(201);
        assertThat(send(request("/admin/dead-letters").header("Authorization", "Bearer " + issuer.admin("ops")).GET())
            .statusCode()).isEqualTo(200);
    }

    @Test
    void refusesAUserTokenOnTheAdminPathsWith403InsufficientScope() {
        for (HttpResponse<String> response : new HttpResponse[] { postEvent("Bearer " + issuer.user("alice")),
                send(request("/admin/dead-letters").header("Authorization", "Bearer " + issuer.user("alice"))
                    .GET()) }) {
            assertProblem(response, 403);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    (challenge) -> assertThat(challenge).startsWith("Bearer").contains("insufficient_scope"));
        }
    }

    @Test
    void refusesAdminRequestsWithoutOrWithAWrongCredentialWith401() {
        HttpResponse<String> none = postEvent(null);
        assertProblem(none, 401);
        assertThat(none.headers().firstValue("WWW-Authenticate"))
            .hasValueSatisfying((challenge) -> assertThat(challenge).startsWith("Bearer").doesNotContain("error="));
        for (String wrong : new String[] { "Bearer " + ADMIN_TOKEN + "x", "Bearer " + issuer.forged("ops"),
                "Bearer " + issuer.expired("ops") }) {
            HttpResponse<String> response = postEvent(wrong);
            assertProblem(response, 401);
            assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying((challenge) -> assertThat(challenge).contains("error=\"invalid_token\""));
        }
        assertProblem(send(request("/admin/dead-letters").GET()), 401);
        // PATCH /events/{id} is an admin operation whether or not it is mapped yet
        assertProblem(send(request("/events/1").method("PATCH", BodyPublishers.ofString("{}"))
            .header("Content-Type", JSON)), 401);
    }

    @Test
    void leavesThePublicPathsOpen() {
        long eventId = createEvent("jwt-public", 5);

        assertThat(get("/events/" + eventId).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/data").statusCode()).isEqualTo(200);
        assertThat(get("/v3/api-docs").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> postAs(String token, String path, String body) {
        return postJson(path, body, "Authorization", "Bearer " + token);
    }

    private HttpResponse<String> getAs(String token, String path) {
        return send(request(path).header("Authorization", "Bearer " + token).GET());
    }

    /** {@code POST /events} with exactly this Authorization header (none if null). */
    private HttpResponse<String> postEvent(String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/events"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", JSON)
            .POST(BodyPublishers.ofString(EVENT));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

}
