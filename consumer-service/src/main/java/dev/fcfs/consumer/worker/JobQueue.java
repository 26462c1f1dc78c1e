package dev.fcfs.consumer.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;

import org.springframework.data.redis.core.RedisCallback;
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

    /** The keys this queue works on. */
    QueueKeys keys() {
        return this.keys;
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

    /**
     * Removes jobs whose decision is committed from the processing list and the pending hash, and stamps the shard's
     * progress time ({@code ack.lua}).
     */
    public void acknowledge(int shard, List<TakenJob> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(jobs.size() * 2);
        for (TakenJob job : jobs) {
            args.add(job.raw());
            args.add(job.job().reservationId().toString());
        }
        this.redis.execute(ReservationScripts.ACK,
                List.of(this.keys.processing(shard), this.keys.pending(shard), this.keys.progress(shard)),
                args.toArray());
    }

    /**
     * Closes the accept path of an event whose last seat is committed ({@code mark_sold_out.lua}): new requests
     * are then refused at the door. Only ever called after the COMMIT, so no request that could win is refused.
     */
    public void markSoldOut(long eventId) {
        this.redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(eventId)));
    }

    /**
     * Parks a job that can never be decided, with the reason, and stamps the shard's progress time
     * ({@code dead_letter.lua}).
     */
    public void deadLetter(int shard, String raw, String reason) {
        this.redis.execute(ReservationScripts.DEAD_LETTER,
                List.of(this.keys.processing(shard), this.keys.deadLetter(shard), this.keys.progress(shard)), raw,
                reason);
    }

    /**
     * The length of every shard's queue, processing and dead-letter list, in one pipelined round trip.
     */
    public Map<ShardList, Long> depths() {
        List<ShardList> lists = new ArrayList<>(this.keys.shards() * 3);
        for (int shard = 0; shard < this.keys.shards(); shard++) {
            lists.add(new ShardList(shard, "queue", this.keys.queue(shard)));
            lists.add(new ShardList(shard, "processing", this.keys.processing(shard)));
            lists.add(new ShardList(shard, "dead", this.keys.deadLetter(shard)));
        }
        List<Object> lengths = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
            for (ShardList list : lists) {
                connection.listCommands().lLen(list.key().getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });
        Map<ShardList, Long> depths = new LinkedHashMap<>();
        for (int i = 0; i < lists.size(); i++) {
            depths.put(lists.get(i), (Long) lengths.get(i));
        }
        return depths;
    }

    /** One list of one shard, as reported in the queue-depth metric. */
    public record ShardList(int shard, String list, String key) {
    }

    /** A job as it was read from the processing list: the exact entry (needed to remove it) and its content. */
    public record TakenJob(String raw, ReservationJob job) {
    }

}
