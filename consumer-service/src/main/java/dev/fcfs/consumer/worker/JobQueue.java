package dev.fcfs.consumer.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/** The consumer's side of the reliable queue: every Redis call the worker loop makes. */
@Component
public class JobQueue {

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    JobQueue(StringRedisTemplate redis, QueueKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * The shard's next batch, oldest first: jobs still in the processing list (left by an earlier owner or a
     * failed attempt) and then as many waiting jobs as fit ({@code take_batch.lua}).
     */
    public List<String> takeBatch(int shard, int batchSize) {
        List<String> batch = this.redis.execute(ReservationScripts.TAKE_BATCH,
                List.of(this.keys.queue(shard), this.keys.processing(shard)), Integer.toString(batchSize));
        return (batch != null) ? batch : List.of();
    }

    /**
     * Waits up to {@code timeout} for a job and moves it to the processing list ({@code BRPOPLPUSH}); the next
     * {@link #takeBatch} returns it. Spring Data Redis runs blocking commands on a dedicated pooled connection.
     * @return whether a job arrived
     */
    public boolean awaitJob(int shard, Duration timeout) {
        return this.redis.opsForList()
            .rightPopAndLeftPush(this.keys.queue(shard), this.keys.processing(shard), timeout) != null;
    }

    /** Removes jobs whose decision is committed from the processing list and the pending hash ({@code ack.lua}). */
    public void acknowledge(int shard, List<TakenJob> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(jobs.size() * 2);
        for (TakenJob job : jobs) {
            args.add(job.raw());
            args.add(job.job().reservationId().toString());
        }
        this.redis.execute(ReservationScripts.ACK, List.of(this.keys.processing(shard), this.keys.pending(shard)),
                args.toArray());
    }

    /**
     * Closes the accept path of an event whose last seat is committed ({@code mark_sold_out.lua}): new requests
     * are then refused at the door. Only ever called after the COMMIT, so no request that could win is refused.
     */
    public void markSoldOut(long eventId) {
        this.redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(eventId)));
    }

    /** Parks a job that can never be decided, with the reason ({@code dead_letter.lua}). */
    public void deadLetter(int shard, String raw, String reason) {
        this.redis.execute(ReservationScripts.DEAD_LETTER,
                List.of(this.keys.processing(shard), this.keys.deadLetter(shard)), raw, reason);
    }

    /** A job as it was read from the processing list: the exact entry (needed to remove it) and its content. */
    public record TakenJob(String raw, ReservationJob job) {
    }

}
