package dev.fcfs.shared.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of the queue, one per atomic operation, the operator's dead-letter scripts among them; each file's
 * header lists its KEYS, ARGV and result. They are immutable values shared by both services (Spring Data runs them
 * with EVALSHA and falls back to EVAL), so they are constants here rather than beans declared twice.
 */
public final class ReservationScripts {

    /** {@code scripts/enqueue.lua}: assign the position and queue the job. */
    @SuppressWarnings({ "rawtypes", "unchecked" })
    public static final RedisScript<List<String>> ENQUEUE = (RedisScript) RedisScript.of(script("enqueue"), List.class);

    /** {@code scripts/register_event.lua}: make an event known to the accept path. */
    public static final RedisScript<Long> REGISTER_EVENT = RedisScript.of(script("register_event"), Long.class);

    /** {@code scripts/shard_backlog.lua}: count a shard's unacknowledged jobs before restoring an event, in O(1). */
    public static final RedisScript<Long> SHARD_BACKLOG = RedisScript.of(script("shard_backlog"), Long.class);

    /** {@code scripts/update_window.lua}: move the sale window of an event that has not opened by Redis's clock. */
    @SuppressWarnings({ "rawtypes", "unchecked" })
    public static final RedisScript<List<String>> UPDATE_WINDOW = (RedisScript) RedisScript.of(script("update_window"),
            List.class);

    /** {@code scripts/mark_sold_out.lua}: close the accept path of an event whose last seat is committed. */
    public static final RedisScript<Long> MARK_SOLD_OUT = RedisScript.of(script("mark_sold_out"), Long.class);

    /** {@code scripts/take_batch.lua}: top up the processing list and return its oldest jobs. */
    @SuppressWarnings({ "rawtypes", "unchecked" })
    public static final RedisScript<List<String>> TAKE_BATCH = (RedisScript) RedisScript.of(script("take_batch"),
            List.class);

    /** {@code scripts/ack.lua}: drop committed jobs from the processing list and the pending hash. */
    public static final RedisScript<Long> ACK = RedisScript.of(script("ack"), Long.class);

    /** {@code scripts/dead_letter.lua}: park an undecidable job with its reason. */
    public static final RedisScript<Long> DEAD_LETTER = RedisScript.of(script("dead_letter"), Long.class);

    /** {@code scripts/acquire_lease.lua}: take a free shard lease, or extend one the caller owns. */
    public static final RedisScript<Long> ACQUIRE_LEASE = RedisScript.of(script("acquire_lease"), Long.class);

    /** {@code scripts/heartbeat.lua}: announce a live consumer, forget lapsed ones, count the live ones. */
    public static final RedisScript<Long> HEARTBEAT = RedisScript.of(script("heartbeat"), Long.class);

    /** {@code scripts/renew_lease.lua}: extend a shard lease the caller owns. */
    public static final RedisScript<Long> RENEW_LEASE = RedisScript.of(script("renew_lease"), Long.class);

    /** {@code scripts/release_lease.lua}: give up a shard lease the caller owns. */
    public static final RedisScript<Long> RELEASE_LEASE = RedisScript.of(script("release_lease"), Long.class);

    /** {@code scripts/requeue_dead_letter.lua}: one dead letter, by content hash, back to the served end. */
    public static final RedisScript<String> REQUEUE_DEAD_LETTER = RedisScript.of(script("requeue_dead_letter"),
            String.class);

    /** {@code scripts/requeue_all_dead_letters.lua}: every dead letter of a shard, oldest served first. */
    public static final RedisScript<Long> REQUEUE_ALL_DEAD_LETTERS = RedisScript.of(script("requeue_all_dead_letters"),
            Long.class);

    /** {@code scripts/discard_dead_letter.lua}: drop one dead letter, by content hash, and its pending entry. */
    public static final RedisScript<String> DISCARD_DEAD_LETTER = RedisScript.of(script("discard_dead_letter"),
            String.class);

    private ReservationScripts() {
    }

    /**
     * The script's text, read once. A {@code RedisScript} built from a resource re-checks the resource's modification
     * time under a lock on every call, which inside a jar costs a URL connection per request and serializes the
     * accept path; built from a string it computes its SHA-1 once.
     */
    private static String script(String name) {
        ClassPathResource resource = new ClassPathResource("scripts/" + name + ".lua",
                ReservationScripts.class.getClassLoader());
        try {
            return resource.getContentAsString(StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read " + resource, ex);
        }
    }

}
