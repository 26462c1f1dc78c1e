package dev.fcfs.producer.reservation;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import dev.fcfs.producer.event.EventRegistration;
import dev.fcfs.producer.security.CallerIdentity;
import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.fuzz.Gen;
import dev.fcfs.testsupport.fuzz.Property;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * {@code POST /events/{id}/reservations} against a flood of generated requests, through the web layer with the strict
 * JSON reader and the problem handler, the queue replaced by a mock that accepts everything. For every request: a
 * request the API documents as valid is queued once with exactly the user id sent and answered 202; anything else is
 * a 4xx problem+json and never reaches the queue; nothing is ever a 5xx.
 *
 * <p>{@code -Dfcfs.fuzz.seed=<seed>} replays a failure. The same kinds of input against real Redis and PostgreSQL,
 * with no effect on either, are in {@code HostileRequestsIntegrationTests}.
 */
@WebMvcTest(controllers = ReservationController.class, excludeAutoConfiguration = {
        ServletWebSecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class,
        SecurityFilterAutoConfiguration.class }, includeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
        pattern = "dev\\.fcfs\\.producer\\.web\\.JsonConfiguration"))
@Import({ ReservationService.class, ReservationAnswers.class, ReservationRequestPropertyTests.Config.class })
class ReservationRequestPropertyTests {

    private static final long EVENT = 7;

    /** The documented body rules, read as plainly as possible: the oracle the service is held to. */
    private static final JsonMapper ORACLE = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    @Autowired
    private MockMvc mvc;

    @MockitoBean
    private EnqueueBatcher batcher;

    @MockitoBean
    private DecidedReservations decided;

    @MockitoBean
    private EventRegistration registration;

    // a mock answers null: no request is the warm-up's
    @MockitoBean
    private WarmupTraffic warmup;

    @BeforeEach
    void acceptEveryRequestThatReachesTheQueue() {
        given(this.batcher.enqueue(any(), anyLong(), anyString(), any()))
            .willAnswer((call) -> new EnqueueBatch.Outcome(EnqueueBatch.Status.ACCEPTED, new ReservationJob(
                    call.getArgument(0), call.getArgument(1), call.getArgument(2), 1, Instant.now()), null));
    }

    @Test
    void bodiesAreQueuedExactlyWhenValidAndOtherwiseRefusedWith4xx() {
        Property.forAll(600, ReservationRequestPropertyTests::body, (body) -> {
            String sent = new String(body, StandardCharsets.UTF_8);
            String validUserId = validUserId(body);
            MockHttpServletResponse response = perform(post("/events/{id}/reservations", EVENT)
                .contentType("application/json")
                .content(body));
            if (validUserId != null) {
                assertThat(response.getStatus()).as("valid body %s: %s", sent, content(response)).isEqualTo(202);
                verify(this.batcher).enqueue(any(UUID.class), eq(EVENT), eq(validUserId), eq(null));
            }
            else {
                assertRefused(response, sent);
            }
        });
    }

    @Test
    void contentTypesOtherThanJsonAreRefusedWith415AndOddJsonOnesNeverBreakTheService() {
        Property.forAll(300, (random) -> Gen.oneOf(random, "text/plain", "application/xml",
                "application/x-www-form-urlencoded", "application/vnd.api+json", "application/problem+json", "*/*",
                "application/*", "multipart/form-data; boundary=x", "application/json; charset=utf-8",
                "application/json; charset=UTF-16", "application/json; charset=iso-8859-1",
                // (not "charset=" with no name: MockMvc's own filter chain fails on it before the service sees the
                // request; HostileRequestsIntegrationTests sends it over real HTTP, where it gets a 4xx)
                "application/json; charset=no-such-charset", "application/json;;;",
                "application/json; q=0.5", "APPLICATION/JSON", "application/json\u00e9", "json", "/", "a/b/c", "",
                "application/json; charset=\"utf-8\"", Gen.anyString(random, 30)), (contentType) -> {
                    if (!parsableBySpring(contentType)) {
                        // e.g. an unclosed quote: MockMvc's mock request fails to parse it while being built, before
                        // the service sees it; BadRequestIntegrationTests sends such values over real HTTP (415)
                        return;
                    }
                    MockHttpServletResponse response = perform(post("/events/{id}/reservations", EVENT)
                        .header("Content-Type", contentType)
                        .content("{\"userId\":\"u-1\"}".getBytes(StandardCharsets.UTF_8)));
                    String mime = contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
                    if (response.getStatus() == 202) {
                        assertThat(mime).isEqualTo("application/json");
                    }
                    else {
                        assertRefused(response, contentType);
                        if (!mime.equals("application/json")) {
                            assertThat(response.getStatus()).isIn(400, 415);
                        }
                    }
                });
    }

    @Test
    void eventIdsOutsideOneToTheMaximumAreRefusedWithoutTouchingTheQueue() {
        Property.forAll(400, ReservationRequestPropertyTests::pathId, (id) -> {
            MockHttpServletResponse response = perform(post(URI.create("/events/" + id + "/reservations"))
                .contentType("application/json")
                .content("{\"userId\":\"u-1\"}"));
            Long eventId = parseEventId(id);
            if (eventId != null) {
                assertThat(response.getStatus()).as("event id %s", id).isEqualTo(202);
                verify(this.batcher).enqueue(any(UUID.class), eq(eventId), eq("u-1"), eq(null));
            }
            else {
                assertRefused(response, id);
                assertThat(response.getStatus()).isIn(400, 404);
            }
        });
    }

    @Test
    void idempotencyKeysOutsideVisibleAsciiAreRefusedWith400() {
        Property.forAll(400, (random) -> random.nextBoolean() ? Gen.anyString(random, 20)
                : "k".repeat(random.nextInt(300)) + Gen.anyChar(random), (key) -> {
                    MockHttpServletResponse response = perform(post("/events/{id}/reservations", EVENT)
                        .contentType("application/json")
                        .header("Idempotency-Key", key)
                        .content("{\"userId\":\"u-1\"}"));
                    boolean valid = !key.isEmpty() && key.length() <= 255
                            && key.chars().allMatch((c) -> c >= 0x21 && c <= 0x7e);
                    if (valid) {
                        assertThat(response.getStatus()).isEqualTo(202);
                        verify(this.batcher).enqueue(any(UUID.class), eq(EVENT), eq("u-1"), eq(key));
                    }
                    else {
                        assertRefused(response, key);
                        assertThat(response.getStatus()).isEqualTo(400);
                    }
                });
    }

    /** Whether Spring's parser ends with a media type or its documented {@code InvalidMediaTypeException}. */
    private static boolean parsableBySpring(String contentType) {
        try {
            MediaType.parseMediaType(contentType);
            return true;
        }
        catch (InvalidMediaTypeException ex) {
            return true;
        }
        catch (RuntimeException ex) {
            return false;
        }
    }

    private MockHttpServletResponse perform(MockHttpServletRequestBuilder request) {
        Mockito.clearInvocations(this.batcher);
        try {
            return this.mvc.perform(request).andReturn().getResponse();
        }
        catch (Exception ex) {
            throw new AssertionError("the request escaped the web layer: " + ex, ex);
        }
    }

    private void assertRefused(MockHttpServletResponse response, String input) {
        assertThat(response.getStatus()).as("status for %s: %s", Property.show(input), content(response))
            .isBetween(400, 499);
        assertThat(response.getContentType()).startsWith("application/problem+json");
        JsonNode problem = ORACLE.readTree(content(response));
        assertThat(problem.path("status").asInt()).isEqualTo(response.getStatus());
        assertThat(problem.path("detail").asString()).isNotBlank();
        verify(this.batcher, never()).enqueue(any(), anyLong(), anyString(), any());
    }

    private static String content(MockHttpServletResponse response) {
        return new String(response.getContentAsByteArray(), StandardCharsets.UTF_8);
    }

    /** A request body: random JSON, near-valid objects with hostile values, mutations, deep nesting, random bytes. */
    private static byte[] body(Random random) {
        String text = switch (random.nextInt(8)) {
            case 0 -> Gen.anyJson(random, 3);
            case 1 -> "{\"userId\":" + Gen.jsonString(Gen.anyString(random, 70)) + "}";
            case 2 -> "{\"userId\":" + Gen.jsonString(Gen.validText(random, 64)) + "}";
            case 3 -> "{\"userId\":" + Gen.anyJson(random, 2) + "}";
            case 4 -> Gen.mutate(random, "{\"userId\":" + Gen.jsonString(Gen.validText(random, 64)) + "}");
            case 5 -> "{\"userId\":" + Gen.nested(random, 1 + random.nextInt(2000), "\"u\"") + "}";
            case 6 -> "{\"userId\":\"u-1\"," + Gen.jsonString(Gen.oneOf(random, "userId", "seat", "userid", "userId "))
                    + ":" + Gen.anyJson(random, 1) + "}";
            default -> null;
        };
        if (text == null) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            return bytes;
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The user id if the body is what the API documents: well-formed UTF-8 JSON, one object with exactly the field
     * {@code userId}, a string of 1 to 64 UTF-16 units, not blank, without control or unpaired surrogate characters.
     */
    private static String validUserId(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body))
                .toString();
        }
        catch (CharacterCodingException ex) {
            return null;
        }
        JsonNode node;
        try {
            node = ORACLE.readTree(text);
        }
        catch (RuntimeException ex) {
            return null;
        }
        if (node == null || !node.isObject() || node.size() != 1 || !node.path("userId").isString()) {
            return null;
        }
        String userId = node.path("userId").asString();
        boolean clean = userId.codePoints().noneMatch((c) -> Character.getType(c) == Character.CONTROL
                || Character.getType(c) == Character.SURROGATE);
        return (!userId.isEmpty() && userId.length() <= 64 && !userId.isBlank() && clean) ? userId : null;
    }

    private static String pathId(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> Long.toString(1 + random.nextInt(1_000_000));
            case 1 -> Long.toString(ReservationId.MAX_EVENT_ID - 2 + random.nextInt(5));
            case 2 -> Long.toString(-random.nextInt(1000));
            case 3 -> Gen.oneOf(random, Long.toString(Long.MAX_VALUE), Long.toString(Long.MIN_VALUE),
                    "9223372036854775808", "00000000000000000001", "+1", "1e3", "0x10", "0X1f", "%2310", "-0x1",
                    "1.0", "%201", "1%20", "%091", "1%2F2", "%31", "%D9%A1");
            case 4 -> Gen.digits(random, 1 + random.nextInt(40));
            case 5 -> percentEncode(Gen.anyString(random, 10));
            default -> percentEncode(Gen.anyNumber(random));
        };
    }

    /**
     * The event id the service accepts: decimal digits (no sign, space or hexadecimal: {@code 0x10} is not event 16)
     * within 1..MAX_EVENT_ID.
     */
    private static Long parseEventId(String id) {
        String decoded = java.net.URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
        if (!decoded.matches("[0-9]+")) {
            return null;
        }
        try {
            long value = Long.parseLong(decoded);
            return (value >= 1 && value <= ReservationId.MAX_EVENT_ID) ? value : null;
        }
        catch (NumberFormatException ex) {
            return null;
        }
    }

    private static String percentEncode(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '.') {
                encoded.append((char) c);
            }
            else {
                encoded.append('%').append(String.format("%02X", c));
            }
        }
        return encoded.isEmpty() ? "%20" : encoded.toString();
    }

    @TestConfiguration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ApiProperties.class)
    static class Config {

        @Bean
        JobCodec jobCodec() {
            return new JobCodec();
        }

        // body mode, the default: the body names the user (the security chain is not part of this slice)
        @Bean
        CallerIdentity callerIdentity() {
            return CallerIdentity.body();
        }

    }

}
