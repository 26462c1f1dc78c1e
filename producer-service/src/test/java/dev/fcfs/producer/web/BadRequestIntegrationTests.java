package dev.fcfs.producer.web;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input of every kind gets a clear 4xx problem+json and has no effect: nothing queued, no position consumed,
 * no key written in Redis, no row in PostgreSQL.
 */
class BadRequestIntegrationTests extends ProducerIntegrationSupport {

    private static final String RESERVE = "/events/{event}/reservations";

    private static final String BIG = "x".repeat(17 * 1024);

    static Stream<BadRequest> badRequests() {
        return Stream.of(
                // POST /events/{id}/reservations: body
                postCase(RESERVE, "{\"userId\":", 400, "truncated JSON"),
                postCase(RESERVE, "userId=u-1", 400, "not JSON"),
                postCase(RESERVE, "{\"userId\":123}", 400, "number for a string"),
                postCase(RESERVE, "{\"userId\":1.5}", 400, "float for a string"),
                postCase(RESERVE, "{\"userId\":true}", 400, "boolean for a string"),
                postCase(RESERVE, "{\"userId\":{}}", 400, "object for a string"),
                postCase(RESERVE, "{\"userId\":[\"u-1\"]}", 400, "array for a string"),
                postCase(RESERVE, "{\"userId\":null}", 400, "null"),
                postCase(RESERVE, "{}", 400, "missing field"),
                postCase(RESERVE, "{\"userId\":\"\"}", 400, "empty"),
                postCase(RESERVE, "{\"userId\":\"   \"}", 400, "blank"),
                postCase(RESERVE, "{\"userId\":\"" + "u".repeat(65) + "\"}", 400, "65 characters"),
                postCase(RESERVE, "{\"userId\":\"a\\u0000b\"}", 400, "NUL in user id"),
                postCase(RESERVE, "{\"userId\":\"u-1\",\"seat\":3}", 400, "unknown property"),
                postCase(RESERVE, "{\"userId\":\"u-1\",\"userId\":\"u-2\"}", 400, "duplicate property"),
                postCase(RESERVE, "{\"userId\":\"u-1\"}{\"userId\":\"u-2\"}", 400, "two documents"),
                postCase(RESERVE, "{\"userId\":\"u-1\"} x", 400, "trailing garbage"),
                postCase(RESERVE, "[{\"userId\":\"u-1\"}]", 400, "array body"),
                postCase(RESERVE, "\"u-1\"", 400, "string body"),
                postCase(RESERVE, "", 400, "empty body"),
                postCase(RESERVE, "{\"userId\":\"" + BIG + "\"}", 413, "body over the cap (Content-Length)"),
                new BadRequest("POST", RESERVE, JSON, chunked("{\"userId\":\"" + BIG + "\"}"), null, 413,
                        "body over the cap (chunked)"),
                // POST /events/{id}/reservations: headers
                withType("text/plain", "{\"userId\":\"u-1\"}", 415, "text/plain"),
                withType("application/xml", "<userId>u-1</userId>", 415, "XML"),
                // a quote never closed: Spring's own parser fails on it with an unexpected exception
                withType("\"application/json", "{\"userId\":\"u-1\"}", 415, "unclosed quote in Content-Type"),
                withType("application/json; charset=\"utf-8", "{\"userId\":\"u-1\"}", 415,
                        "unclosed quote in a Content-Type parameter"),
                new BadRequest("POST", RESERVE, null, BodyPublishers.ofString("{\"userId\":\"u-1\"}"), null, 415,
                        "no Content-Type"),
                withKey("", 400, "empty Idempotency-Key"),
                withKey("two words", 400, "space in Idempotency-Key"),
                withKey("k".repeat(256), 400, "256-character Idempotency-Key"),
                withKey("tab\there", 400, "tab in Idempotency-Key"),
                // POST /events/{id}/reservations: path
                postCase("/events/abc/reservations", "{\"userId\":\"u-1\"}", 400, "non-numeric event id"),
                postCase("/events/1.5/reservations", "{\"userId\":\"u-1\"}", 400, "decimal event id"),
                postCase("/events/99999999999999999999/reservations", "{\"userId\":\"u-1\"}", 400,
                        "overflowing event id"),
                postCase("/events/0x10/reservations", "{\"userId\":\"u-1\"}", 400, "hexadecimal event id"),
                postCase("/events/%2310/reservations", "{\"userId\":\"u-1\"}", 400, "'#'-hexadecimal event id"),
                postCase("/events/%201/reservations", "{\"userId\":\"u-1\"}", 400, "event id with a space"),
                postCase("/events/+1/reservations", "{\"userId\":\"u-1\"}", 400, "event id with a plus sign"),
                postCase("/events/0/reservations", "{\"userId\":\"u-1\"}", 404, "event id 0"),
                postCase("/events/-1/reservations", "{\"userId\":\"u-1\"}", 404, "negative event id"),
                postCase("/events/" + (ReservationId.MAX_EVENT_ID + 1) + "/reservations", "{\"userId\":\"u-1\"}", 404,
                        "event id over the 48-bit maximum"),
                postCase("/events/" + Long.MAX_VALUE + "/reservations", "{\"userId\":\"u-1\"}", 404, "Long.MAX_VALUE"),
                postCase("/events/{unknown}/reservations", "{\"userId\":\"u-1\"}", 404, "unknown event"),
                // POST /events
                postCase("/events", "{\"name\":\"e\",\"capacity\":\"500\"}", 400, "capacity as a string"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":1.5}", 400, "fractional capacity"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":5.0}", 400, "capacity as a float"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":1e3}", 400, "capacity in exponent notation"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":true}", 400, "boolean capacity"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":null}", 400, "null capacity"),
                postCase("/events", "{\"name\":\"e\"}", 400, "missing capacity"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":0}", 400, "capacity 0"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":-5}", 400, "negative capacity"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":1000001}", 400, "capacity over 1,000,000"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":99999999999}", 400, "capacity beyond int"),
                postCase("/events", "{\"name\":\" \",\"capacity\":5}", 400, "blank name"),
                postCase("/events", "{\"capacity\":5}", 400, "missing name"),
                postCase("/events", "{\"name\":42,\"capacity\":5}", 400, "number for name"),
                postCase("/events", "{\"name\":\"" + "n".repeat(201) + "\",\"capacity\":5}", 400, "201-character name"),
                postCase("/events", "{\"name\":\"a\\u0000b\",\"capacity\":5}", 400, "NUL in name"),
                postCase("/events", "{\"name\":\"e\",\"capacity\":5,\"reserved\":5}", 400, "unknown property"),
                postCase("/events", "{\"name\":\"" + BIG + "\",\"capacity\":5}", 413, "event body over the cap"),
                new BadRequest("POST", "/events", "text/plain",
                        BodyPublishers.ofString("{\"name\":\"e\",\"capacity\":5}"), null, 415, "event as text/plain"),
                // reads
                getCase("/events/abc", 400, "non-numeric event id"),
                getCase("/events/99999999999999999999", 400, "overflowing event id"),
                getCase("/events/0x10", 400, "hexadecimal event id"),
                getCase("/events/0", 404, "event id 0"),
                getCase("/events/{unknown}", 404, "unknown event"),
                getCase("/reservations/not-a-uuid", 400, "malformed reservation id"),
                getCase("/reservations/1-1-1-1-1", 400, "short UUID form"),
                getCase("/reservations/0a5f1d2e-0000-8000-8000-00000000000", 400, "35 characters"),
                getCase("/nothing-here", 404, "unknown path"),
                getCase("/error", 404, "the error path itself"),
                // methods
                getCase(RESERVE, 405, "GET on the reservation collection"),
                new BadRequest("PUT", "/events/{event}", JSON, BodyPublishers.ofString("{}"), null, 405,
                        "PUT on an event"),
                new BadRequest("DELETE", "/events/{event}", null, BodyPublishers.noBody(), null, 405,
                        "DELETE an event"),
                new BadRequest("DELETE", "/reservations/{reservation}", null, BodyPublishers.noBody(), null, 405,
                        "DELETE a reservation"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void answersA4xxProblemAndChangesNothing(BadRequest bad) {
        long eventId = createEvent("target", 10);
        JsonNode accepted = reserveAccepted(eventId, "already-in-line");
        String path = bad.path()
            .replace("{event}", Long.toString(eventId))
            .replace("{unknown}", Long.toString(eventId + 1_000_000))
            .replace("{reservation}", accepted.path("reservationId").asString());
        Map<String, Object> before = stateSnapshot();

        HttpRequest.Builder request = request(path).method(bad.method(), bad.body());
        if (bad.contentType() != null) {
            request.header("Content-Type", bad.contentType());
        }
        if (bad.idempotencyKey() != null) {
            request.header("Idempotency-Key", bad.idempotencyKey());
        }
        HttpResponse<String> response = send(request);

        assertProblem(response, bad.status());
        assertThat(stateSnapshot()).isEqualTo(before);
        // the next good request still gets the next position: none was consumed
        assertThat(reserveAccepted(eventId, "after").path("position").asLong()).isEqualTo(2);
    }

    @Test
    void refusesAClientThatAcceptsNoJsonBeforeItsRequestTakesAPosition() {
        long eventId = createEvent("accept", 10);
        Map<String, Object> before = stateSnapshot();

        HttpResponse<String> response = postJson("/events/" + eventId + "/reservations", "{\"userId\":\"u-1\"}",
                "Accept", "text/html");

        assertProblem(response, 406);
        assertThat(stateSnapshot()).isEqualTo(before);
        assertThat(reserveAccepted(eventId, "u-1", "Accept", "application/json").path("position").asLong())
            .isEqualTo(1);
    }

    @Test
    void listsTheInvalidFieldsOfABody() {
        long eventId = createEvent("fields", 10);

        JsonNode problem = assertProblem(postJson("/events/" + eventId + "/reservations", "{\"userId\":\"\"}"), 400);

        assertThat(problem.path("errors")).hasSize(1);
        assertThat(problem.path("errors").get(0).path("field").asString()).isEqualTo("userId");
        assertThat(problem.path("errors").get(0).path("message").asString()).isNotBlank();
    }

    @Test
    void namesTheWronglyTypedFieldWithoutLeakingInternals() {
        JsonNode problem = assertProblem(postJson("/events", "{\"name\":\"e\",\"capacity\":\"500\"}"), 400);

        assertThat(problem.path("detail").asString()).contains("'capacity'").doesNotContain("dev.fcfs");
    }

    @Test
    void advertisesTheAllowedMethodsWith405() {
        long eventId = createEvent("methods", 10);

        HttpResponse<String> response = get("/events/" + eventId + "/reservations");

        assertProblem(response, 405);
        assertThat(response.headers().firstValue("Allow"))
            .hasValueSatisfying((allow) -> assertThat(allow).contains("POST"));
    }

    @Test
    void acceptsAChunkedBodyWithinTheCap() {
        long eventId = createEvent("chunked", 10);

        HttpResponse<String> response = send(request("/events/" + eventId + "/reservations")
            .header("Content-Type", JSON)
            .POST(chunked("{\"userId\":\"chunky\"}")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(body(response).path("userId").asString()).isEqualTo("chunky");
    }

    @Test
    void refusesAnIdempotencyKeyWithNonAsciiBytes() throws Exception {
        long eventId = createEvent("raw-key", 10);
        Map<String, Object> before = stateSnapshot();
        String body = "{\"userId\":\"u-1\"}";
        // HttpClient would replace the byte with '?': write the request by hand
        byte[] head = ("POST /events/" + eventId + "/reservations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n"
                + "Idempotency-Key: cl").getBytes(StandardCharsets.US_ASCII);
        String response;
        try (Socket socket = new Socket("127.0.0.1", this.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(new byte[] { (byte) 0xC3, (byte) 0xA9 });
            out.write(("\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        assertThat(response).startsWith("HTTP/1.1 400 ").contains("Content-Type: application/problem+json");
        assertThat(stateSnapshot()).isEqualTo(before);
    }

    private static BadRequest postCase(String path, String json, int status, String description) {
        return new BadRequest("POST", path, JSON, BodyPublishers.ofString(json), null, status, description);
    }

    private static BadRequest getCase(String path, int status, String description) {
        return new BadRequest("GET", path, null, BodyPublishers.noBody(), null, status, description);
    }

    private static BadRequest withType(String contentType, String body, int status, String description) {
        return new BadRequest("POST", RESERVE, contentType, BodyPublishers.ofString(body), null, status, description);
    }

    private static BadRequest withKey(String key, int status, String description) {
        return new BadRequest("POST", RESERVE, JSON, BodyPublishers.ofString("{\"userId\":\"u-1\"}"), key, status,
                description);
    }

    record BadRequest(String method, String path, String contentType, BodyPublisher body, String idempotencyKey,
            int status, String description) {

        @Override
        public String toString() {
            return this.method + " " + this.path + ": " + this.description + " -> " + this.status;
        }

    }

}
