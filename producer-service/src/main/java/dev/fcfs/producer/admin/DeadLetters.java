package dev.fcfs.producer.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.MalformedJobException;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/** The dead-letter lists of all shards: read them, and requeue or discard entries atomically (ReservationScripts). */
@Component
class DeadLetters {

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    private final JobCodec codec;

    private final JsonMapper json = JsonMapper.builder().build();

    DeadLetters(StringRedisTemplate redis, QueueKeys keys, JobCodec codec) {
        this.redis = redis;
        this.keys = keys;
        this.codec = codec;
    }

    int shards() {
        return this.keys.shards();
    }

    /** {@code LLEN} of a shard's dead-letter list. */
    long count(int shard) {
        Long size = this.redis.opsForList().size(this.keys.deadLetter(shard));
        return (size != null) ? size : 0;
    }

    /** The newest {@code limit} entries of a shard's list ({@code LRANGE}), newest first. */
    List<DeadLetter> list(int shard, int limit) {
        List<String> raw = this.redis.opsForList().range(this.keys.deadLetter(shard), 0, limit - 1L);
        List<DeadLetter> entries = new ArrayList<>();
        if (raw == null) {
            return entries;
        }
        for (int i = 0; i < raw.size(); i++) {
            entries.add(parse(shard, i, raw.get(i)));
        }
        return entries;
    }

    /** @return the requeued raw job, or null if no entry of the shard has that id (any more) */
    @Nullable String requeue(int shard, String entryId) {
        return this.redis.execute(ReservationScripts.REQUEUE_DEAD_LETTER,
                List.of(this.keys.deadLetter(shard), this.keys.queue(shard), this.keys.pending(shard)), entryId);
    }

    /** @return how many jobs were requeued */
    long requeueAll(int shard) {
        Long moved = this.redis.execute(ReservationScripts.REQUEUE_ALL_DEAD_LETTERS,
                List.of(this.keys.deadLetter(shard), this.keys.queue(shard), this.keys.pending(shard)));
        return (moved != null) ? moved : 0;
    }

    /** @return the discarded entry, or null if no entry of the shard has that id (any more) */
    @Nullable DeadLetter discard(int shard, String entryId) {
        String entry = this.redis.execute(ReservationScripts.DISCARD_DEAD_LETTER,
                List.of(this.keys.deadLetter(shard), this.keys.pending(shard)), entryId);
        return (entry != null) ? parse(shard, -1, entry) : null;
    }

    /** The id of an entry: SHA-1 hex of its UTF-8 bytes, the same as Redis's {@code redis.sha1hex}. */
    static String idOf(String entry) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(entry.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every JVM has SHA-1", ex);
        }
    }

    DeadLetter parse(int shard, long index, String entry) {
        String id = idOf(entry);
        JsonNode envelope;
        try {
            envelope = this.json.readTree(entry);
        }
        catch (JacksonException ex) {
            return new DeadLetter(shard, index, id, null, null, null, null, "dead-letter entry is not JSON");
        }
        String reason = envelope.path("reason").isString() ? envelope.path("reason").asString() : null;
        Instant at = envelope.path("at").isNumber() ? Instant.ofEpochSecond(envelope.path("at").asLong()) : null;
        if (!envelope.path("job").isString()) {
            return new DeadLetter(shard, index, id, reason, at, null, null, "dead-letter entry has no job");
        }
        String job = envelope.path("job").asString();
        try {
            ReservationJob decoded = this.codec.decode(job);
            return new DeadLetter(shard, index, id, reason, at, job, new DeadLetter.DecodedJob(decoded.reservationId(),
                    decoded.eventId(), decoded.userId(), decoded.position(), decoded.acceptedAt()), null);
        }
        catch (MalformedJobException ex) {
            return new DeadLetter(shard, index, id, reason, at, job, null, ex.getMessage());
        }
    }

}
