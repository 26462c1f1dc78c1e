package dev.fcfs.shared.job;

import java.time.Instant;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The wire format of a job: one JSON object per list entry,
 * {@code {"v":1,"id":"<uuid>","event":42,"user":"u-1","pos":17,"at":1732570000123}}.
 *
 * <p>{@code scripts/enqueue.lua} writes this format (the position is only known inside the script), this class
 * reads it; a test runs the real script and decodes its output so the two cannot drift apart.
 */
public final class JobCodec {

    /** Format version written in field {@code v}. */
    public static final int VERSION = 1;

    /** Longest user id the API accepts and the decoder lets through. */
    public static final int MAX_USER_ID_LENGTH = 64;

    private final JsonMapper mapper = JsonMapper.builder().build();

    /**
     * Reads one queue entry.
     * @throws MalformedJobException if the entry is not a complete, valid job of a known version
     */
    public ReservationJob decode(String raw) {
        if (raw == null) {
            throw new MalformedJobException("no entry");
        }
        JsonNode node;
        try {
            node = this.mapper.readTree(raw);
        }
        catch (JacksonException ex) {
            throw new MalformedJobException("not JSON: " + ex.getOriginalMessage(), ex);
        }
        if (node == null || !node.isObject()) {
            throw new MalformedJobException("not a JSON object");
        }
        long version = requireLong(node, "v");
        if (version != VERSION) {
            throw new MalformedJobException("unsupported job version " + version);
        }
        UUID id = requireUuid(node);
        long eventId = requireLong(node, "event");
        String userId = requireText(node, "user");
        long position = requireLong(node, "pos");
        long acceptedAt = requireLong(node, "at");
        if (eventId < 1 || position < 1 || acceptedAt < 1) {
            throw new MalformedJobException("event, pos and at must be positive");
        }
        if (userId.isBlank() || userId.length() > MAX_USER_ID_LENGTH) {
            throw new MalformedJobException("user must be 1.." + MAX_USER_ID_LENGTH + " characters, not blank");
        }
        if (userId.chars().anyMatch(Character::isISOControl)) {
            // PostgreSQL refuses NUL: such a job would fail its batch on every retry instead of being dead-lettered
            throw new MalformedJobException("user contains control characters");
        }
        return new ReservationJob(id, eventId, userId, position, Instant.ofEpochMilli(acceptedAt));
    }

    /** Writes a job in the format {@code enqueue.lua} produces (used to re-queue and in tests). */
    public String encode(ReservationJob job) {
        ObjectNode node = this.mapper.createObjectNode();
        node.put("v", VERSION);
        node.put("id", job.reservationId().toString());
        node.put("event", job.eventId());
        node.put("user", job.userId());
        node.put("pos", job.position());
        node.put("at", job.acceptedAt().toEpochMilli());
        return this.mapper.writeValueAsString(node);
    }

    private static long requireLong(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new MalformedJobException("field '" + field + "' missing or not an integer");
        }
        return value.asLong();
    }

    private static String requireText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new MalformedJobException("field '" + field + "' missing or not a string");
        }
        return value.asString();
    }

    private static UUID requireUuid(JsonNode node) {
        String text = requireText(node, "id");
        UUID id;
        try {
            id = UUID.fromString(text);
        }
        catch (IllegalArgumentException ex) {
            throw new MalformedJobException("field 'id' is not a UUID");
        }
        // UUID.fromString also takes short groups ("1-2-3-4-5"); the id must be the text the producer answered with
        // and the pending hash is keyed by, or the worker would acknowledge another entry than the one it decided
        if (!id.toString().equals(text)) {
            throw new MalformedJobException("field 'id' is not a UUID in canonical form");
        }
        return id;
    }

}
