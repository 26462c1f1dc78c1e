package dev.fcfs.producer.web;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.fuzz.Gen;
import dev.fcfs.testsupport.fuzz.Property;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of generated hostile requests over real HTTP, against real Redis and PostgreSQL: bodies of the wrong shape
 * or type, hostile strings, deep nesting, huge numbers, duplicate keys, oversized and non-UTF-8 bodies, wrong content
 * types, event ids out of range or not numbers, bad {@code Idempotency-Key}s. Every one is answered with a 4xx
 * problem+json, never a 5xx, and has no effect: no key in Redis or row in PostgreSQL changes, no position is used up.
 *
 * <p>{@code -Dfcfs.fuzz.seed=<seed>} replays a failure. The web layer alone, with many more tries and valid input
 * too, is covered by {@code ReservationRequestPropertyTests}.
 */
class HostileRequestsIntegrationTests extends ProducerIntegrationSupport {

    private static final int TRIES = 150;

    @Test
    void hostileReservationRequestsGetA4xxProblemAndChangeNothing() {
        long eventId = createEvent("hostile", 10);
        assertThat(reserveAccepted(eventId, "already-in-line").path("position").asLong()).isEqualTo(1);

        Property.forAll(TRIES, (random) -> hostileRequest(random, eventId), (hostile) -> {
            Map<String, Object> before = stateSnapshot();

            HttpResponse<String> response = send(hostile.request());

            assertThat(response.statusCode()).as("%s -> %s", hostile, response.body()).isBetween(400, 499);
            assertThat(contentType(response)).startsWith(PROBLEM_JSON);
            assertThat(body(response).path("status").asInt()).isEqualTo(response.statusCode());
            assertThat(stateSnapshot()).as("no effect of %s", hostile).isEqualTo(before);
        });

        assertThat(reserveAccepted(eventId, "after").path("position").asLong()).isEqualTo(2);
    }

    private Hostile hostileRequest(Random random, long eventId) {
        String path = "/events/" + eventId + "/reservations";
        String contentType = JSON;
        String key = null;
        String body = "{\"userId\":\"u-1\"}";
        String what;
        switch (random.nextInt(12)) {
            case 0 -> {
                body = "{\"userId\":" + nonString(random) + "}";
                what = "user id of another JSON type";
            }
            case 1 -> {
                body = "{\"userId\":" + Gen.jsonString(invalidUserId(random)) + "}";
                what = "user id blank, too long or with control characters";
            }
            case 2 -> {
                body = "{\"userId\":\"u-1\"," + Gen.jsonString(Gen.oneOf(random, "userId", "seat", "eventId", "userid"))
                        + ":" + Gen.anyJson(random, 2) + "}";
                what = "second or unknown field";
            }
            case 3 -> {
                body = "{\"userId\":" + Gen.nested(random, 1 + random.nextInt(3000), "\"u\"") + "}";
                what = "deep nesting";
            }
            case 4 -> {
                body = Gen.oneOf(random, "{\"userId\":", "", "null", "[]", "\"u-1\"", "{\"userId\":\"u-1\"}{}",
                        "{\"userId\":\"u-1\"} x", "{\"userId\":1" + Gen.digits(random, 1500) + "}",
                        "{'userId':'u-1'}", "{\"userId\":\"u-1\",}", "{userId:\"u-1\"}", "\ufeff{\"userId\":\"u-1\"}x");
                what = "malformed JSON";
            }
            case 5 -> {
                body = "[" + Gen.anyJson(random, 3) + "]";
                what = "array body";
            }
            case 6 -> {
                body = "{\"userId\":\"" + "x".repeat(16 * 1024 + random.nextInt(4096)) + "\"}";
                what = "body over the cap";
            }
            case 7 -> {
                contentType = Gen.oneOf(random, "text/plain", "application/xml", "application/x-www-form-urlencoded",
                        "application/vnd.api+json", "multipart/form-data; boundary=x", "text/json", "application/jso",
                        // (a charset JSON can be in, say UTF-16, is no hostile request: JSON names no charset,
                        // RFC 8259, and the reader detects the encoding from the bytes)
                        "application/json; charset=", "application/json; charset=no-such-charset",
                        "application/json; charset=\"\"", "application/json; charset=x;y");
                what = "content type";
            }
            case 8 -> {
                path = "/events/" + Gen.oneOf(random, "0", "-1", "abc", "1.5", "1e3", "%20", "0x10",
                        Long.toString(ReservationId.MAX_EVENT_ID + 1 + random.nextInt(1000)),
                        Long.toString(Long.MAX_VALUE), "9223372036854775808",
                        Gen.digits(random, 20 + random.nextInt(30)),
                        Long.toString(eventId + 1_000_000 + random.nextInt(1000))) + "/reservations";
                what = "event id";
            }
            case 9 -> {
                // (non-ASCII keys: the HTTP client turns them into '?'; the web-layer property test and
                // BadRequestIntegrationTests, which writes raw bytes, cover them)
                key = Gen.oneOf(random, "", "two words", "tab\there", "k".repeat(256 + random.nextInt(100)), "x y",
                        "a\tb", "a,b c");
                what = "Idempotency-Key";
            }
            case 10 -> {
                byte[] bytes = new byte[1 + random.nextInt(40)];
                random.nextBytes(bytes);
                bytes[0] = (byte) (0x80 | bytes[0]);
                return new Hostile(
                        request(path).header("Content-Type", contentType).POST(BodyPublishers.ofByteArray(bytes)),
                        "random non-UTF-8 bytes");
            }
            default -> {
                body = mutatedUntilInvalid(random);
                what = "mutated body";
            }
        }
        HttpRequest.Builder request = request(path).header("Content-Type", contentType)
            .POST(BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return new Hostile(request, what + ": " + path + " " + contentType + " " + Property.show(body)
                + ((key != null) ? " key " + Property.show(key) : ""));
    }

    private static String nonString(Random random) {
        String json;
        do {
            json = Gen.anyJson(random, 3);
        }
        while (json.startsWith("\""));
        return json;
    }

    private static String invalidUserId(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> Gen.oneOf(random, "", " ", "\t", "\u2003\u3000");
            case 1 -> Gen.validText(random, 64) + "x".repeat(65);
            case 2 -> "u" + (char) random.nextInt(0x20) + Gen.validText(random, 20);
            default -> "u" + (char) (0xd800 + random.nextInt(0x800));
        };
    }

    /** A mutation of a valid body that is no longer one (a space or letter added to the user id would still be). */
    private static String mutatedUntilInvalid(Random random) {
        while (true) {
            String mutated = Gen.mutate(random, "{\"userId\":\"u-1\"}");
            String trimmed = mutated.strip();
            if (!trimmed.matches("\\{\\s*\"userId\"\\s*:\\s*\"[^\"\\\\\\p{Cntrl}]{0,64}\"\\s*}")) {
                return mutated;
            }
        }
    }

    record Hostile(HttpRequest.Builder request, String description) {

        @Override
        public String toString() {
            return this.description.toLowerCase(Locale.ROOT).length() > 400 ? this.description.substring(0, 400)
                    : this.description;
        }

    }

}
