package dev.fcfs.loadgen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import dev.fcfs.loadgen.LoadDriver.Malformed;
import dev.fcfs.loadgen.LoadDriver.Request;
import dev.fcfs.loadgen.LoadDriver.Reserve;

/** Builds the request mixes of the end-to-end tests. Seeded, so a failing mix can be replayed. */
public final class Requests {

    private static final String JSON = "application/json";

    private Requests() {
    }

    /**
     * Valid requests spread evenly at random over the events, each from a user drawn from a pool smaller than the
     * request count, so that users repeat within an event (DUPLICATE) and across events (allowed). A few users
     * have ids of exactly the longest accepted length (64).
     */
    public static List<Reserve> valid(List<Long> eventIds, int count, int userPool, Random random) {
        List<Reserve> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long eventId = eventIds.get(random.nextInt(eventIds.size()));
            requests.add(new Reserve(eventId, user(random.nextInt(userPool))));
        }
        return requests;
    }

    /** User number n of the pool; every 50th has an id of exactly 64 characters. */
    public static String user(int n) {
        String id = "user-" + n;
        return (n % 50 == 0) ? id + "-" + "x".repeat(64 - id.length() - 1) : id;
    }

    /** Requests sent twice with the same {@code Idempotency-Key}, from users outside the shared pool. */
    public static List<Reserve> idempotentReplays(List<Long> eventIds, int count, Random random) {
        List<Reserve> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long eventId = eventIds.get(random.nextInt(eventIds.size()));
            requests.add(new Reserve(eventId, "idem-user-" + i, "key-" + i + "-" + random.nextInt(1_000_000), true));
        }
        return requests;
    }

    /**
     * Every kind of bad input, aimed at real events wherever a path names one: if any of them consumed a position
     * or a seat, the checker would see a gap in the positions or a wrong count.
     */
    public static List<Malformed> malformed(List<Long> eventIds) {
        List<Malformed> requests = new ArrayList<>();
        for (long eventId : eventIds) {
            String path = "/events/" + eventId + "/reservations";
            requests.add(post("malformed JSON", path, JSON, "{\"userId\": \"bad-1\""));
            requests.add(post("not JSON at all", path, JSON, "userId=bad-2"));
            requests.add(post("empty body", path, JSON, ""));
            requests.add(post("body is a JSON array", path, JSON, "[{\"userId\":\"bad-3\"}]"));
            requests.add(post("body is a JSON string", path, JSON, "\"bad-4\""));
            requests.add(post("userId is an object", path, JSON, "{\"userId\":{\"id\":\"bad-5\"}}"));
            requests.add(post("userId is an array", path, JSON, "{\"userId\":[\"bad-6\"]}"));
            requests.add(post("userId missing", path, JSON, "{}"));
            requests.add(post("userId missing, other field", path, JSON, "{\"user\":\"bad-7\"}"));
            requests.add(post("userId null", path, JSON, "{\"userId\":null}"));
            requests.add(post("userId empty", path, JSON, "{\"userId\":\"\"}"));
            requests.add(post("userId blank", path, JSON, "{\"userId\":\"   \"}"));
            requests.add(post("userId of 65 characters", path, JSON, "{\"userId\":\"" + "b".repeat(65) + "\"}"));
            requests.add(post("text/plain content type", path, "text/plain", "{\"userId\":\"bad-8\"}"));
            requests.add(post("XML content type", path, "application/xml", "<userId>bad-9</userId>"));
            requests.add(post("no content type", path, null, "{\"userId\":\"bad-10\"}"));
            // Valid JSON apart from its size: only the 16 KB limit can refuse it.
            requests.add(post("body over 16 KB", path, JSON, "{\"userId\":\"bad-11\"" + " ".repeat(17 * 1024) + "}"));
        }
        String body = "{\"userId\":\"bad-12\"}";
        requests.add(post("non-numeric event id", "/events/abc/reservations", JSON, body));
        requests.add(post("fractional event id", "/events/1.5/reservations", JSON, body));
        requests.add(post("event id beyond long", "/events/99999999999999999999999/reservations", JSON, body));
        requests.add(post("unknown event", "/events/987654321/reservations", JSON, body));
        requests.add(post("event id 0", "/events/0/reservations", JSON, body));
        requests.add(post("negative event id", "/events/-1/reservations", JSON, body));
        requests.add(post("unknown event beyond the reservation id range", "/events/281474976710656/reservations",
                JSON, body));
        requests.add(get("non-numeric event id", "/events/abc"));
        requests.add(get("unknown event", "/events/987654321"));
        requests.add(get("reservation id not a UUID", "/reservations/not-a-uuid"));
        requests.add(get("unknown reservation", "/reservations/00000000-0000-8000-8000-000000000000"));
        requests.add(get("unknown reservation (random UUID)", "/reservations/" + UUID.randomUUID()));
        return requests;
    }

    /**
     * {@code count} requests drawn at random (with repetition once the catalogue of {@link #malformed(List)} is
     * used up) from every kind of bad input.
     */
    public static List<Malformed> malformed(List<Long> eventIds, int count, Random random) {
        List<Malformed> catalogue = malformed(eventIds);
        List<Malformed> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add((i < catalogue.size() && count >= catalogue.size()) ? catalogue.get(i)
                    : catalogue.get(random.nextInt(catalogue.size())));
        }
        return requests;
    }

    /** The lists merged and shuffled, so that bad input arrives in the middle of the burst. */
    @SafeVarargs
    public static List<Request> interleave(Random random, List<? extends Request>... parts) {
        List<Request> all = new ArrayList<>();
        for (List<? extends Request> part : parts) {
            all.addAll(part);
        }
        Collections.shuffle(all, random);
        return all;
    }

    private static Malformed post(String description, String path, String contentType, String body) {
        return new Malformed(description, "POST", path, contentType, body);
    }

    private static Malformed get(String description, String path) {
        return new Malformed(description, "GET", path, null, null);
    }

}
