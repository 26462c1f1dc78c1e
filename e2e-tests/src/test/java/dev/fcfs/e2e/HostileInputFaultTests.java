package dev.fcfs.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.fcfs.loadgen.LoadDriver.Malformed;
import dev.fcfs.loadgen.LoadDriver.Request;
import dev.fcfs.loadgen.LoadDriver.Reserve;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.loadgen.ReservationApi.Answer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults in the input: a flood of malformed and hostile requests (bodies, paths, headers, raw bytes) mixed with
 * valid traffic must have no effect beyond refusals, while the valid requests are served. Part of the
 * fault-injection suite: see {@link FaultScenarios}.
 */
@Order(Order.DEFAULT + 1)
class HostileInputFaultTests extends FaultScenarios {

    @Test
    @Order(1)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void hostileFloodHasNoEffectWhileValidTrafficIsServed() {
        scenario("malformed and hostile flood mixed with valid traffic", (run) -> {
            Random random = new Random(SEED + 1);
            List<Long> events = List.of(run.createEvent("hostile-small", 20), run.createEvent("hostile-medium", 80),
                    run.createEvent("hostile-large", 300), run.createEvent("hostile-open", 5000));
            long eventsBefore = postgres.queryLong("SELECT count(*) FROM events");
            List<Request> burst = Requests.interleave(random, Requests.valid(events, 1200, 500, random),
                    oddButValidUsers(events), Requests.idempotentReplays(events, 20, random),
                    Requests.malformed(events, 1000, random), hostile(events));
            // Requests whose hostility is in their headers, which the driver's Malformed cannot carry: sent alongside.
            CompletableFuture<List<String>> headerAttacks = CompletableFuture
                .supplyAsync(() -> hostileHeaders(run, events));
            run.driver.fire(burst).orTimeout(3, TimeUnit.MINUTES).join();
            List<String> headerViolations = headerAttacks.orTimeout(1, TimeUnit.MINUTES).join();
            run.driver.awaitAllDecided(ALL_DECIDED_TIMEOUT);

            List<String> violations = run.measure();
            violations.addAll(headerViolations);
            long eventsAfter = postgres.queryLong("SELECT count(*) FROM events");
            if (eventsAfter != eventsBefore) {
                violations.add("events in PostgreSQL went from " + eventsBefore + " to " + eventsAfter
                        + " although every event-creating request of the flood lacked the admin token");
            }
            run.evidence("refused bad requests by status: " + run.refusalsByStatus());
            run.evidence(headerViolations.isEmpty() ? "every header attack refused with a 4xx problem"
                    : headerViolations.size() + " header attacks not refused properly");
            assertNoViolations(violations);
        });
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Users whose ids are valid but look like attacks or break naive code: each must come back exactly as sent. */
    private static List<Reserve> oddButValidUsers(List<Long> events) {
        List<String> users = List.of("O'Brien'); DROP TABLE reservations;--", "\" OR \"1\"=\"1",
                "<script>alert(1)</script>", "../../etc/passwd", "%s%d%n%x", "${jndi:ldap://example.invalid/a}",
                "{\"v\":1,\"id\":\"x\",\"pos\":1}", "back\\slash\\", "ünïcödé-用户-🎟️", "\u202Eright-to-left",
                "zero\u200Bwidth", "🎟".repeat(32), "null", "undefined", "NaN", "-1", " spaced ", "redis.call('DEL')",
                "KEYS *", "\\u0000-not-really");
        List<Reserve> requests = new ArrayList<>();
        for (int i = 0; i < users.size(); i++) {
            long event = events.get(i % events.size());
            requests.add(new Reserve(event, users.get(i)));
            // a second request of the same user: must be a DUPLICATE
            requests.add(new Reserve(event, users.get(i)));
        }
        return requests;
    }

    /** Bad input beyond {@link Requests#malformed(List)}: parser bombs, smuggled fields, operator calls, methods. */
    private static List<Malformed> hostile(List<Long> events) {
        List<Malformed> requests = new ArrayList<>();
        String json = "application/json";
        for (long event : events) {
            String path = "/events/" + event + "/reservations";
            requests.add(new Malformed("JSON nested 5000 deep", "POST", path, json,
                    "{\"userId\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
            requests.add(new Malformed("number of 10000 digits", "POST", path, json,
                    "{\"userId\":" + "9".repeat(10_000) + "}"));
            requests.add(new Malformed("userId with NUL", "POST", path, json, "{\"userId\":\"a\\u0000b\"}"));
            requests.add(new Malformed("userId a lone surrogate", "POST", path, json, "{\"userId\":\"\\ud800\"}"));
            requests.add(new Malformed("userId with a line break", "POST", path, json, "{\"userId\":\"a\\nb\"}"));
            requests.add(new Malformed("userId twice", "POST", path, json, "{\"userId\":\"a\",\"userId\":\"b\"}"));
            requests.add(new Malformed("userId a number", "POST", path, json, "{\"userId\":5}"));
            requests.add(new Malformed("two documents", "POST", path, json, "{\"userId\":\"x\"} {\"userId\":\"y\"}"));
            requests.add(new Malformed("smuggled seat field", "POST", path, json, "{\"userId\":\"x\",\"seat\":1}"));
            requests.add(new Malformed("__proto__", "POST", path, json, "{\"__proto__\":{\"userId\":\"x\"}}"));
            requests.add(new Malformed("PUT on reservations", "PUT", path, json, "{\"userId\":\"x\"}"));
            requests.add(new Malformed("DELETE an event", "DELETE", "/events/" + event, null, null));
            requests.add(new Malformed("PATCH an event", "PATCH", "/events/" + event, json, "{\"capacity\":1000000}"));
        }
        requests.add(new Malformed("create an event without the admin token", "POST", "/events", json,
                "{\"name\":\"evil\",\"capacity\":1000000}"));
        requests.add(new Malformed("list dead letters without the admin token", "GET", "/admin/dead-letters", null,
                null));
        requests.add(new Malformed("requeue dead letters without the admin token", "POST",
                "/admin/dead-letters/0/requeue-all", null, null));
        requests.add(new Malformed("DELETE a reservation", "DELETE", "/reservations/" + UUID.randomUUID(), null, null));
        return requests;
    }

    /**
     * Requests that are hostile through their headers, sent directly: each must be refused with a 4xx problem and
     * have no effect (a 202 nobody recorded would leave a gap in the positions, which the checker reports).
     * @return what went wrong, empty if nothing did
     */
    private static List<String> hostileHeaders(Run run, List<Long> events) {
        ReservationApi api = run.driver.api();
        List<String> violations = new ArrayList<>();
        String json = "application/json";
        List<Object[]> attacks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String path = "/events/" + events.get(i % events.size()) + "/reservations";
            String body = "{\"userId\":\"header-attacker-" + i + "\"}";
            attacks.add(new Object[] { "Idempotency-Key of 256 characters", "POST", path, body,
                    Map.of("Idempotency-Key", "k".repeat(256)) });
            attacks.add(new Object[] { "Idempotency-Key with a space", "POST", path, body,
                    Map.of("Idempotency-Key", "a b") });
            attacks.add(new Object[] { "wrong admin token", "POST", "/events",
                    "{\"name\":\"evil\",\"capacity\":5}", Map.of("Authorization", "Bearer not-the-token-" + i) });
            attacks.add(new Object[] { "Basic credentials for the admin API", "POST", "/events",
                    "{\"name\":\"evil\",\"capacity\":5}", Map.of("Authorization", "Basic YWRtaW46YWRtaW4=") });
            attacks.add(new Object[] { "admin token as a query-string lookalike header", "GET", "/admin/dead-letters",
                    null, Map.of("X-Admin-Token", "anything") });
        }
        for (Object[] attack : attacks) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) attack[4];
            Answer answer = api.send((String) attack[1], (String) attack[2], (attack[3] != null) ? json : null,
                    (String) attack[3], headers);
            run.extraSent.incrementAndGet();
            if (answer.status() < 400 || answer.status() > 499 || !answer.isProblem()) {
                violations.add("header attack (" + attack[0] + ") not refused with a 4xx problem: " + answer);
            }
        }
        // Bytes no HTTP client library sends (java.net.http turns non-ASCII header text into '?'), over a socket.
        int port = deployment.producer().port();
        Map<String, RawHttp.Reply> connectorLevel = new TreeMap<>();
        for (int i = 0; i < events.size(); i++) {
            String path = "/events/" + events.get(i) + "/reservations";
            String body = "{\"userId\":\"raw-attacker-" + i + "\"}";
            byte[] utf8Key = concat(RawHttp.ascii("Idempotency-Key: cl"), new byte[] { (byte) 0xC3, (byte) 0xA9 });
            byte[] latin1Key = concat(RawHttp.ascii("Idempotency-Key: cl"), new byte[] { (byte) 0xE9 });
            for (byte[] header : List.of(utf8Key, latin1Key)) {
                RawHttp.Reply reply = RawHttp.send(port, RawHttp.post(path, body, header));
                run.extraSent.incrementAndGet();
                if (reply.status() != 400 || !reply.isProblem()) {
                    violations.add("Idempotency-Key with non-ASCII bytes not refused with a 400 problem: " + reply);
                }
            }
            // Refused by the HTTP connector before any application code runs: a 4xx, whatever its body.
            Map<String, byte[]> garbage = new LinkedHashMap<>();
            garbage.put("header block of 40 KB",
                    RawHttp.post(path, body, RawHttp.ascii("X-Padding: " + "a".repeat(40_000))));
            garbage.put("NUL in a header value", RawHttp.post(path, body, RawHttp.ascii("Idempotency-Key: a\u0000b")));
            garbage.put("garbage request line", RawHttp.ascii("GARBAGE\r\n\r\n"));
            garbage.put("broken chunked body", RawHttp.ascii("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "zz\r\n" + body + "\r\n0\r\n\r\n"));
            garbage.forEach((what, bytes) -> {
                RawHttp.Reply reply = RawHttp.send(port, bytes);
                run.extraSent.incrementAndGet();
                connectorLevel.put(what, reply);
                if (reply.status() < 400 || reply.status() > 499) {
                    violations.add("raw request (" + what + ") not refused with a 4xx: " + reply);
                }
            });
        }
        connectorLevel.forEach((what, reply) -> run.evidence("raw request, " + what + ": " + reply.status() + " "
                + reply.contentType()));
        return violations;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

}
