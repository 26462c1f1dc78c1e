package dev.fcfs.producer.dashboard;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.MalformedJobException;
import dev.fcfs.shared.queue.QueueKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Samples PostgreSQL and Redis once per {@code reservation.dashboard.sample-interval} on one daemon thread, so the
 * cost is the same whether no browser or a hundred watch the dashboard: per sample one indexed query on
 * {@code events} (the newest {@code max-events} rows; {@code reservations} is never read) and one pipelined round trip
 * to Redis ({@code LLEN} of each shard's three lists, {@code GET} of each lease, {@code HGET seq} of each shown
 * event, and per shard its progress time and oldest waiting job), plus a {@code ZRANGE} of the consumers.
 *
 * <p>A shard is stuck when its oldest waiting job was accepted, and its last job acknowledged or dead-lettered, at
 * least {@code stuck-after} ago. Both times come from Redis, so the verdict needs no memory of earlier samples and a
 * shard that was idle for long is not flagged the moment a job arrives.
 *
 * <p>Throughput is the growth between two samples, summed over the events present in both: accepted = growth of the
 * events' {@code seq} in Redis (the last position handed out), decided = growth of {@code events.last_position}. Both
 * count positions, so a request refused at the door (409, 429) counts as neither. Per-event deltas keep the rate
 * right when an event enters or leaves the shown set.
 *
 * <p>A thread of its own rather than {@code @Scheduled}: this keeps the application free of
 * {@code @EnableScheduling}, which would start every other {@code @Scheduled} method too.
 */
@Component
class DashboardSampler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DashboardSampler.class);

    private final JdbcClient jdbc;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    private final DashboardProperties properties;

    private final JobCodec codec;

    private final ArrayDeque<DashboardData.ThroughputPoint> history = new ArrayDeque<>();

    private volatile DashboardData latest = DashboardData.empty();

    private volatile boolean stale;

    private Map<Long, long[]> previousCounts = Map.of();

    private long previousNanos;

    private ScheduledExecutorService executor;

    DashboardSampler(JdbcClient jdbc, StringRedisTemplate redis, QueueKeys keys, DashboardProperties properties,
            JobCodec codec) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.keys = keys;
        this.properties = properties;
        this.codec = codec;
    }

    /** The latest sample with the throughput history; never blocks on a server. */
    DashboardData current() {
        List<DashboardData.ThroughputPoint> points;
        synchronized (this.history) {
            points = List.copyOf(this.history);
        }
        return this.latest.withThroughput(this.stale, points);
    }

    @Override
    public void start() {
        if (!this.properties.enabled()) {
            return;
        }
        this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
            Thread thread = new Thread(task, "dashboard-sampler");
            thread.setDaemon(true);
            return thread;
        });
        long interval = this.properties.sampleInterval().toMillis();
        this.executor.scheduleWithFixedDelay(this::sampleSafely, 0, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (this.executor != null) {
            this.executor.shutdownNow();
            this.executor = null;
        }
    }

    @Override
    public boolean isRunning() {
        return this.executor != null;
    }

    private void sampleSafely() {
        try {
            sample();
            if (this.stale) {
                log.info("Dashboard sampling works again");
            }
            this.stale = false;
        }
        catch (RuntimeException ex) {
            // during an outage every sample fails the same way: say it once
            if (!this.stale) {
                log.warn("Dashboard sampling failed; showing the last sample until it works again (" + ex + ")");
            }
            this.stale = true;
        }
    }

    /** Takes one sample and appends one throughput point. Package-private for tests. */
    synchronized void sample() {
        List<EventSample> events = this.jdbc
            // events that have not opened are not shown: the dashboard is public, and a drop is announced by its
            // organizer, not by the dashboard (PostgreSQL's clock is precise enough for what is only a display)
            .sql("""
                    SELECT id, name, capacity, reserved, last_position, sold_out_at, opens_at, closes_at,
                        resumed_position
                    FROM events WHERE opens_at IS NULL OR opens_at <= now() ORDER BY id DESC LIMIT ?""")
            .param(this.properties.maxEvents())
            .query((rs, row) -> new EventSample(rs.getLong("id"), rs.getString("name"), rs.getInt("capacity"),
                    rs.getInt("reserved"), rs.getLong("last_position"), instant(rs.getTimestamp("sold_out_at")),
                    instant(rs.getTimestamp("opens_at")), instant(rs.getTimestamp("closes_at")),
                    rs.getLong("resumed_position")))
            .list();
        int shards = this.keys.shards();
        RedisSample redisSample = RedisSample.take(this.redis, this.keys, events);
        Set<TypedTuple<String>> consumerSet = this.redis.opsForZSet().rangeWithScores(this.keys.consumers(), 0, -1);
        long nanos = System.nanoTime();
        Instant now = Instant.now();

        List<DashboardData.ShardRow> shardRows = new ArrayList<>(shards);
        Map<String, List<Integer>> owned = new TreeMap<>();
        long pending = 0;
        long processing = 0;
        long dead = 0;
        for (int shard = 0; shard < shards; shard++) {
            long queued = redisSample.queued(shard);
            long taken = redisSample.processing(shard);
            long deadLetters = redisSample.deadLetters(shard);
            String owner = redisSample.leaseOwner(shard);
            Instant lastProgress = epochMillis(redisSample.lastProgress(shard));
            Instant waitingSince = acceptedAt(redisSample.oldestWaitingJob(shard));
            Instant stuckBefore = now.minus(this.properties.stuckAfter());
            boolean stuck = waitingSince != null && !waitingSince.isAfter(stuckBefore)
                    && (lastProgress == null || !lastProgress.isAfter(stuckBefore));
            shardRows.add(new DashboardData.ShardRow(shard, queued, taken, deadLetters, owner, lastProgress,
                    waitingSince, stuck));
            if (owner != null) {
                owned.computeIfAbsent(owner, (id) -> new ArrayList<>()).add(shard);
            }
            pending += queued;
            processing += taken;
            dead += deadLetters;
        }

        List<DashboardData.EventRow> eventRows = new ArrayList<>(events.size());
        Map<Long, long[]> counts = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            EventSample event = events.get(i);
            Long accepted = redisSample.seq(i);
            eventRows.add(new DashboardData.EventRow(event.id(), event.name(), event.capacity(), event.reserved(),
                    event.capacity() - event.reserved(), event.soldOutAt(), accepted, event.lastPosition(),
                    event.opensAt(), event.closesAt()));
            counts.put(event.id(), new long[] { (accepted != null) ? accepted : event.lastPosition(),
                    event.lastPosition(), event.resumedPosition() });
        }

        List<DashboardData.ConsumerRow> consumers = new ArrayList<>();
        if (consumerSet != null) {
            for (TypedTuple<String> consumer : consumerSet) {
                Instant deadline = Instant.ofEpochMilli(
                        (consumer.getScore() != null) ? consumer.getScore().longValue() : 0);
                consumers.add(new DashboardData.ConsumerRow(consumer.getValue(), deadline, deadline.isAfter(now),
                        owned.getOrDefault(consumer.getValue(), List.of())));
            }
        }
        // a lease held by a consumer that is not in the heartbeat set (it vanished; the lease will expire)
        owned.forEach((owner, ownedShards) -> {
            if (consumers.stream().noneMatch((consumer) -> consumer.id().equals(owner))) {
                consumers.add(new DashboardData.ConsumerRow(owner, Instant.EPOCH, false, ownedShards));
            }
        });

        appendThroughput(now, nanos, counts);
        this.latest = new DashboardData(now, false, eventRows, shardRows,
                new DashboardData.Totals(pending, processing, dead), consumers, List.of());
    }

    private void appendThroughput(Instant now, long nanos, Map<Long, long[]> counts) {
        if (!this.previousCounts.isEmpty() || this.previousNanos != 0) {
            double seconds = Math.max(1e-3, (nanos - this.previousNanos) / 1e9);
            long accepted = 0;
            long decided = 0;
            for (Map.Entry<Long, long[]> entry : counts.entrySet()) {
                long[] before = this.previousCounts.get(entry.getKey());
                if (before != null) {
                    // a counter that went back (Redis lost its data) is no negative throughput, and one that Redis
                    // resumed a whole batch ahead after such a loss (resumed_position grew) is no burst
                    if (entry.getValue()[2] == before[2]) {
                        accepted += Math.max(0, entry.getValue()[0] - before[0]);
                    }
                    decided += Math.max(0, entry.getValue()[1] - before[1]);
                }
            }
            synchronized (this.history) {
                this.history.addLast(new DashboardData.ThroughputPoint(now, accepted / seconds, decided / seconds));
                while (this.history.size() > this.properties.history()) {
                    this.history.removeFirst();
                }
            }
        }
        this.previousCounts = counts;
        this.previousNanos = nanos;
    }

    private static Instant epochMillis(Object reply) {
        try {
            return (reply != null) ? Instant.ofEpochMilli(Long.parseLong(reply.toString())) : null;
        }
        catch (NumberFormatException ex) {
            return null;
        }
    }

    /** When the job was accepted; null for no job, and for one the consumer will dead-letter as undecodable. */
    private Instant acceptedAt(Object rawJob) {
        if (rawJob == null) {
            return null;
        }
        try {
            return this.codec.decode(rawJob.toString()).acceptedAt();
        }
        catch (MalformedJobException ex) {
            return null;
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return (timestamp != null) ? timestamp.toInstant() : null;
    }

    private static long asLong(Object reply) {
        return (reply instanceof Number number) ? number.longValue() : 0;
    }

    private record EventSample(long id, String name, int capacity, int reserved, long lastPosition, Instant soldOutAt,
            Instant opensAt, Instant closesAt, long resumedPosition) {
    }

    /**
     * A sample's one pipelined round trip to Redis: the commands in the order they are sent, and their replies read
     * back by name. The pipeline's reply is one list, cut here into its three sections: per shard the list lengths
     * and the lease, per shown event its {@code seq}, and per shard again its progress time and oldest waiting jobs.
     */
    private record RedisSample(List<Object> shardCounts, List<Object> eventSeqs, List<Object> shardWaits) {

        /** Per shard: {@code LLEN} of queue, processing and dead letters, {@code GET} of the lease. */
        private static final int COUNTS_PER_SHARD = 4;

        /** Per shard: {@code GET} of progress, {@code LINDEX -1} (the oldest job) of processing and of queue. */
        private static final int WAITS_PER_SHARD = 3;

        static RedisSample take(StringRedisTemplate redis, QueueKeys keys, List<EventSample> events) {
            int shards = keys.shards();
            List<Object> replies = redis.executePipelined(new SessionCallback<Object>() {
                @Override
                @SuppressWarnings({ "unchecked", "rawtypes" })
                public Object execute(RedisOperations operations) {
                    RedisOperations<String, String> commands = operations;
                    for (int shard = 0; shard < shards; shard++) {
                        commands.opsForList().size(keys.queue(shard));
                        commands.opsForList().size(keys.processing(shard));
                        commands.opsForList().size(keys.deadLetter(shard));
                        commands.opsForValue().get(keys.lease(shard));
                    }
                    for (EventSample event : events) {
                        commands.opsForHash().get(keys.event(event.id()), "seq");
                    }
                    for (int shard = 0; shard < shards; shard++) {
                        commands.opsForValue().get(keys.progress(shard));
                        commands.opsForList().index(keys.processing(shard), -1);
                        commands.opsForList().index(keys.queue(shard), -1);
                    }
                    return null;
                }
            });
            int seqsFrom = shards * COUNTS_PER_SHARD;
            int waitsFrom = seqsFrom + events.size();
            return new RedisSample(replies.subList(0, seqsFrom), replies.subList(seqsFrom, waitsFrom),
                    replies.subList(waitsFrom, waitsFrom + shards * WAITS_PER_SHARD));
        }

        long queued(int shard) {
            return asLong(this.shardCounts.get(shard * COUNTS_PER_SHARD));
        }

        long processing(int shard) {
            return asLong(this.shardCounts.get(shard * COUNTS_PER_SHARD + 1));
        }

        long deadLetters(int shard) {
            return asLong(this.shardCounts.get(shard * COUNTS_PER_SHARD + 2));
        }

        String leaseOwner(int shard) {
            return (String) this.shardCounts.get(shard * COUNTS_PER_SHARD + 3);
        }

        /** The {@code i}-th shown event's last position handed out; null if Redis does not know the event. */
        Long seq(int i) {
            Object seq = this.eventSeqs.get(i);
            return (seq != null) ? Long.valueOf(seq.toString()) : null;
        }

        Object lastProgress(int shard) {
            return this.shardWaits.get(shard * WAITS_PER_SHARD);
        }

        /** The shard's oldest waiting job: the oldest in its processing list, else the next in its queue. */
        Object oldestWaitingJob(int shard) {
            Object oldestProcessing = this.shardWaits.get(shard * WAITS_PER_SHARD + 1);
            return (oldestProcessing != null) ? oldestProcessing : this.shardWaits.get(shard * WAITS_PER_SHARD + 2);
        }

    }

}
