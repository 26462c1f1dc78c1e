package dev.fcfs.shared.queue;

/**
 * The one place where Redis key names are built.
 *
 * <p>Every key that belongs to a shard carries the hash tag {@code {s<n>}}, so that in a Redis Cluster all
 * keys one script or one {@code BRPOPLPUSH} touches live in the same slot. Layout, for prefix {@code rsv}:
 * <pre>
 * rsv:{s3}:queue             list  jobs waiting, newest at the head (LPUSH), served from the tail
 * rsv:{s3}:processing        list  jobs taken by the shard's owner, removed once their decision is committed
 * rsv:{s3}:pending           hash  reservation id -> job, for every accepted job not yet acknowledged
 * rsv:{s3}:dead              list  jobs that could not be decided, with the reason
 * rsv:{s3}:progress          string  when a job of the shard was last acknowledged or dead-lettered (epoch ms,
 *                                    Redis TIME): the dashboard's view of a shard that stopped moving
 * rsv:{s3}:lease             string  id of the consumer that owns the shard, with a TTL
 * rsv:{s3}:event:42          hash  capacity, seq (last position handed out), soldOut (1 once committed full),
 *                                   opensAt, closesAt (sale window, epoch ms; absent: no such bound)
 * rsv:{s3}:idem:42:&lt;user&gt;    string  "&lt;Idempotency-Key&gt; &lt;job&gt;": the user's latest keyed request,
 *                                    one per user
 * rsv:consumers              zset  consumer id -> heartbeat deadline (epoch ms)
 * rsv:layout                 string  "shards=16": the shard count every service must share
 * rsv:warmup:runs            hash  start-up warm-up run id -> deadline (epoch ms), see ScratchRuns
 * rsv:warmup:&lt;run&gt;:...       the same layout again: one warm-up run's scratch keys, never a real event's
 * </pre>
 */
public final class QueueKeys {

    private final String prefix;

    private final int shards;

    public QueueKeys(QueueProperties properties) {
        this(properties.keyPrefix(), properties.shards());
    }

    public QueueKeys(String prefix, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, was " + shards);
        }
        this.prefix = prefix;
        this.shards = shards;
    }

    public int shards() {
        return this.shards;
    }

    public String prefix() {
        return this.prefix;
    }

    /** The shard that serves an event: fixed for the event's lifetime as long as the shard count is. */
    public int shardOf(long eventId) {
        return Math.floorMod(eventId, this.shards);
    }

    public String queue(int shard) {
        return shardKey(shard, "queue");
    }

    public String processing(int shard) {
        return shardKey(shard, "processing");
    }

    public String pending(int shard) {
        return shardKey(shard, "pending");
    }

    public String deadLetter(int shard) {
        return shardKey(shard, "dead");
    }

    /** Epoch millis (Redis {@code TIME}) of the shard's last acknowledgement or dead letter. */
    public String progress(int shard) {
        return shardKey(shard, "progress");
    }

    public String lease(int shard) {
        return shardKey(shard, "lease");
    }

    public String event(long eventId) {
        return shardKey(shardOf(eventId), "event:" + eventId);
    }

    /**
     * The user's idempotency slot for an event: one per user and event, so that the keys one user invents cannot grow
     * Redis. The user id may hold any character but control ones: the shard's hash tag comes first, so a brace in it
     * does not move the key to another slot.
     */
    public String idempotency(long eventId, String userId) {
        return shardKey(shardOf(eventId), "idem:" + eventId + ":" + userId);
    }

    public String consumers() {
        return this.prefix + ":consumers";
    }

    public String layout() {
        return this.prefix + ":layout";
    }

    /** The registry of start-up warm-up runs, whose scratch keys a later start removes if their run died. */
    public String warmupRuns() {
        return this.prefix + ":warmup:runs";
    }

    /**
     * The keys of one start-up warm-up run: the same layout under a prefix of its own, so that nothing the warm-up
     * writes can land in, or be read as, a real event's keys. Same shard count, so the same hash slots.
     */
    public QueueKeys warmup(String runId) {
        if (runId.isEmpty() || runId.contains(":") || runId.contains("{")) {
            throw new IllegalArgumentException("Not a warm-up run id: '" + runId + "'");
        }
        return new QueueKeys(this.prefix + ":warmup:" + runId, this.shards);
    }

    /** A {@code SCAN MATCH} pattern covering every key of this prefix. */
    public String allKeysPattern() {
        return this.prefix + ":*";
    }

    private String shardKey(int shard, String name) {
        if (shard < 0 || shard >= this.shards) {
            throw new IllegalArgumentException("shard " + shard + " outside 0.." + (this.shards - 1));
        }
        return this.prefix + ":{s" + shard + "}:" + name;
    }

}
