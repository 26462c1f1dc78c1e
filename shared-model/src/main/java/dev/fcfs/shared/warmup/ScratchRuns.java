package dev.fcfs.shared.warmup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.reservation.ReservationId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The scratch Redis keys of start-up warm-ups. A run registers itself, with a deadline, before it writes anything,
 * and removes its keys when it ends; a run still registered after its deadline died mid-warm-up, and the next
 * warm-up of any service on the same key prefix removes what it left. Every key a run may write is known from its
 * id ({@link #keysOf}), so nothing needs a {@code SCAN}, and removal works the same on a Redis Cluster.
 */
public final class ScratchRuns {

    private static final Logger log = LoggerFactory.getLogger(ScratchRuns.class);

    /** The warm-up's sold-out event: the highest id a reservation id can carry, so far above any real event's. */
    public static final long SOLD_OUT_EVENT = ReservationId.MAX_EVENT_ID;

    /** How many open scratch events a warm-up uses, just below {@link #SOLD_OUT_EVENT}: one per shard, up to this. */
    public static final int OPEN_EVENTS = 8;

    /** How many distinct {@code Idempotency-Key} values a warm-up sends (so replays are warmed too). */
    public static final int IDEMPOTENCY_KEYS = 16;

    /** Added to a run's own bound before others may remove its keys: covers clock skew between hosts. */
    private static final Duration GRACE = Duration.ofMinutes(1);

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    public ScratchRuns(StringRedisTemplate redis, QueueKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** The id of the {@code index}-th open scratch event, counting from 0. */
    public static long openEvent(int index) {
        if (index < 0 || index >= OPEN_EVENTS) {
            throw new IllegalArgumentException("open scratch event " + index + " outside 0.." + (OPEN_EVENTS - 1));
        }
        return SOLD_OUT_EVENT - 1 - index;
    }

    /** Whether an event id is one of the warm-up's scratch events. */
    public static boolean isScratchEvent(long eventId) {
        return eventId >= SOLD_OUT_EVENT - OPEN_EVENTS && eventId <= SOLD_OUT_EVENT;
    }

    /** The {@code index}-th idempotency key a warm-up may send, counting from 0. */
    public static String idempotencyKey(int index) {
        return "warmup-" + Math.floorMod(index, IDEMPOTENCY_KEYS);
    }

    /** The user who sends {@link #idempotencyKey(int) the index-th key}: each key has a user of its own. */
    public static String retryUser(int index) {
        return "w-retry-" + idempotencyKey(index);
    }

    /**
     * Runs one warm-up on a new run's keys and removes them afterwards, whatever happens. A warm-up only makes what
     * follows it faster, so none of its failures is let out: each is logged, and the caller goes on starting up.
     */
    public void warmUp(Duration bound, Work work) {
        long started = System.nanoTime();
        Run run;
        try {
            run = start(bound);
        }
        catch (RuntimeException ex) {
            log.warn("Warm-up skipped: Redis cannot be reached (" + ex + ")");
            return;
        }
        try {
            work.run(run);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            log.warn("Warm-up interrupted after " + millisSince(started) + " ms");
        }
        catch (RuntimeException ex) {
            log.warn("Warm-up stopped after " + millisSince(started) + " ms: " + ex);
        }
        finally {
            try {
                finish(run);
            }
            catch (RuntimeException ex) {
                log.warn("Warm-up run " + run.id() + ": scratch keys not removed now (" + ex
                        + "); a later start removes them");
            }
        }
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    /**
     * Removes what abandoned runs left, then registers a new run that may write until {@code bound} has passed.
     * @throws org.springframework.dao.DataAccessException if Redis cannot be reached
     */
    public Run start(Duration bound) {
        removeAbandoned();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        long deadline = System.currentTimeMillis() + bound.plus(GRACE).toMillis();
        this.redis.opsForHash().put(this.keys.warmupRuns(), id, Long.toString(deadline));
        return new Run(id, this.keys.warmup(id));
    }

    /** Removes the run's keys, then the run itself from the registry. */
    public void finish(Run run) {
        remove(run.id());
    }

    /**
     * Removes every registered run whose deadline has passed, with its keys.
     * @return how many runs were removed
     */
    public int removeAbandoned() {
        long now = System.currentTimeMillis();
        int removed = 0;
        for (Map.Entry<Object, Object> entry : this.redis.opsForHash().entries(this.keys.warmupRuns()).entrySet()) {
            if (isPast(entry.getValue().toString(), now)) {
                remove(entry.getKey().toString());
                removed++;
            }
        }
        return removed;
    }

    private static boolean isPast(String deadline, long now) {
        try {
            return Long.parseLong(deadline) < now;
        }
        catch (NumberFormatException ex) {
            // not written by this class: nothing can tell when it ends, so it is treated as ended
            return true;
        }
    }

    private void remove(String runId) {
        for (List<String> slot : keysOf(this.keys.warmup(runId))) {
            this.redis.delete(slot);
        }
        this.redis.opsForHash().delete(this.keys.warmupRuns(), runId);
    }

    /**
     * Every key a warm-up run may write, grouped by shard so that each group shares a hash slot (one {@code DEL} per
     * group, also on a cluster).
     */
    public static List<List<String>> keysOf(QueueKeys scratch) {
        Map<Integer, List<String>> byShard = new LinkedHashMap<>();
        for (int shard = 0; shard < scratch.shards(); shard++) {
            byShard.put(shard, new ArrayList<>(List.of(scratch.queue(shard), scratch.processing(shard),
                    scratch.pending(shard), scratch.deadLetter(shard), scratch.lease(shard), scratch.progress(shard))));
        }
        List<Long> events = new ArrayList<>();
        events.add(SOLD_OUT_EVENT);
        for (int i = 0; i < OPEN_EVENTS; i++) {
            events.add(openEvent(i));
        }
        for (long event : events) {
            List<String> slot = byShard.get(scratch.shardOf(event));
            slot.add(scratch.event(event));
            for (int i = 0; i < IDEMPOTENCY_KEYS; i++) {
                slot.add(scratch.idempotency(event, retryUser(i)));
            }
        }
        return List.copyOf(byShard.values());
    }

    /** One warm-up's work on its run's keys, and nowhere else. */
    @FunctionalInterface
    public interface Work {

        void run(Run run) throws InterruptedException;

    }

    /**
     * One warm-up run.
     * @param id its id in the registry
     * @param keys where it may write: nowhere else
     */
    public record Run(String id, QueueKeys keys) {
    }

}
