package dev.fcfs.consumer.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fcfs.consumer.lease.Lease;
import dev.fcfs.consumer.lease.ShardLeases;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.redis.RedisRequirements;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Decides which shards this consumer serves and runs one {@link ShardWorker} thread per owned shard.
 *
 * <p>Every third of the lease TTL, once Redis meets the {@link RedisRequirements} (eviction policy, queue layout), it:
 * announces itself in the live-consumer set; renews the leases it holds (a
 * failed renewal stops that shard's worker); gives shards back when more consumers are alive than when it took
 * them (each aims at {@code ceil(shards / live consumers)}); and takes free shards up to its share. A crashed
 * consumer's leases expire, and the others pick its shards up on their next round.
 */
@Component
public class ShardCoordinator implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(ShardCoordinator.class);

    private final ShardLeases leases;

    private final RedisRequirements redisRequirements;

    private final ShardWorkerFactory workers;

    private final JobQueue queue;

    private final WorkerProperties properties;

    private final int shards;

    private final String owner;

    private final WorkerMetrics metrics;

    private final Map<Integer, OwnedShard> owned = new ConcurrentHashMap<>();

    /** Jobs in each shard's queue and processing list, as of the last round that could read them. */
    private volatile Map<Integer, Long> waitingJobs = Map.of();

    private volatile boolean running;

    private volatile boolean autoStartup = true;

    private volatile boolean failing;

    /** A round has succeeded since this consumer started: it has met the Redis requirements. */
    private volatile boolean coordinated;

    private ScheduledExecutorService scheduler;

    private ExecutorService workerThreads;

    /** Public so that a second consumer can run in one process (tests, or embedding several). */
    public ShardCoordinator(ShardLeases leases, RedisRequirements redisRequirements, ShardWorkerFactory workers,
            JobQueue queue, WorkerProperties properties, QueueKeys keys, ConsumerIdentity identity,
            WorkerMetrics metrics) {
        this.leases = leases;
        this.redisRequirements = redisRequirements;
        this.workers = workers;
        this.queue = queue;
        this.properties = properties;
        this.shards = keys.shards();
        this.owner = identity.id();
        this.metrics = metrics;
        metrics.shardsOwned(() -> ownedShards().size());
        metrics.shardsStuck(() -> stuckShards().size());
        for (int shard = 0; shard < this.shards; shard++) {
            int gaugedShard = shard;
            metrics.shardProgressAge(shard, () -> withoutProgress(gaugedShard));
        }
    }

    /**
     * Whether the context starts this coordinator with the other lifecycle beans (the default); false when the
     * start-up warm-up starts it once it is done ({@link WorkerWarmup}).
     */
    public void setAutoStartup(boolean autoStartup) {
        this.autoStartup = autoStartup;
    }

    @Override
    public boolean isAutoStartup() {
        return this.autoStartup;
    }

    @Override
    public void start() {
        this.workerThreads = Executors.newCachedThreadPool(namedThreads("shard-worker-"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(namedThreads("shard-coordinator-"));
        this.running = true;
        long period = Math.max(100, this.properties.leaseTtl().toMillis() / 3);
        this.scheduler.scheduleWithFixedDelay(this::balance, 0, period, TimeUnit.MILLISECONDS);
        logger.info("Consumer {} started: {} shards, lease TTL {}, batch size {}", this.owner, this.shards,
                this.properties.leaseTtl(), this.properties.batchSize());
    }

    /** Finishes the batches in hand, then gives every shard back so the other consumers take them at once. */
    @Override
    public void stop() {
        this.running = false;
        finishRoundInProgress();
        this.owned.values().forEach((shard) -> shard.worker().stop());
        this.workerThreads.shutdown();
        try {
            long wait = this.properties.blockTimeout().toMillis() + 10_000;
            if (!this.workerThreads.awaitTermination(wait, TimeUnit.MILLISECONDS)) {
                logger.warn("Workers still busy after {} ms; their batches stay in Redis for the next owner", wait);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        try {
            this.owned.keySet().forEach((shard) -> this.leases.release(shard, this.owner));
            this.leases.leave(this.owner);
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release leases at shutdown; they expire after {}: {}", this.properties.leaseTtl(),
                    ex.toString());
        }
        this.owned.clear();
    }

    /**
     * Lets a coordination round that is under way end before the workers are stopped: it takes no shard once
     * {@code running} is false, but a lease it was already taking must end up among the shards stopped and given
     * back, not with a worker (or a lease) that outlives this consumer. A round is a few Redis calls; one that is
     * still stuck after a lease TTL (Redis unreachable) is interrupted.
     */
    private void finishRoundInProgress() {
        this.scheduler.shutdown();
        try {
            if (!this.scheduler.awaitTermination(this.properties.leaseTtl().toMillis(), TimeUnit.MILLISECONDS)) {
                this.scheduler.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            this.scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /**
     * Whether this consumer can do its part: running, and its last round of coordination with Redis successful
     * (which includes the Redis requirements, the queue layout among them). A consumer that owns no shard but could
     * take one over is healthy.
     */
    public boolean isCoordinating() {
        return this.running && this.coordinated && !this.failing;
    }

    /** Shards this consumer serves right now (not counting those it is giving back). */
    public List<Integer> ownedShards() {
        return this.owned.entrySet()
            .stream()
            .filter((e) -> !e.getValue().releasing())
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    }

    /**
     * Shards served here that have jobs waiting and have committed or dead-lettered none of them for at least
     * {@code reservation.worker.stuck-after}, with the time since their last progress: a lock held elsewhere, a
     * server that keeps failing the same batch, a worker thread that hangs. Not a poison job: that one is
     * dead-lettered within a few transactions.
     */
    public Map<Integer, Duration> stuckShards() {
        Map<Integer, Duration> stuck = new TreeMap<>();
        for (Integer shard : ownedShards()) {
            Duration age = withoutProgress(shard);
            if (age.compareTo(this.properties.stuckAfter()) >= 0) {
                stuck.put(shard, age);
            }
        }
        return stuck;
    }

    /** How long a shard served here has had jobs waiting since its last progress; zero if up to date or not ours. */
    Duration withoutProgress(int shard) {
        OwnedShard current = this.owned.get(shard);
        if (current == null || current.releasing() || this.waitingJobs.getOrDefault(shard, 0L) == 0) {
            return Duration.ZERO;
        }
        return current.worker().sinceProgress();
    }

    void balance() {
        try {
            // no shard is served through a Redis that may evict queued jobs or maps events to shards differently:
            // without renewals, the workers stop when their leases lapse
            this.redisRequirements.requireMet();
            Duration ttl = this.properties.leaseTtl();
            long live = this.leases.heartbeat(this.owner, System.currentTimeMillis(), ttl);
            int share = (int) ((this.shards + live - 1) / live);
            renewLeases(ttl);
            forgetFinishedWorkers();
            giveBackAbove(share);
            takeUpTo(share, ttl);
            Map<Integer, Long> waiting = new HashMap<>();
            this.queue.depths().forEach((shardList, depth) -> {
                this.metrics.queueDepth(shardList.shard(), shardList.list(), depth);
                if (!"dead".equals(shardList.list())) {
                    waiting.merge(shardList.shard(), depth, Long::sum);
                }
            });
            this.waitingJobs = waiting;
            this.coordinated = true;
            if (this.failing) {
                logger.info("Shard coordination is back: serving shards {}", ownedShards());
                this.failing = false;
            }
        }
        catch (RuntimeException ex) {
            // Redis unreachable: leases cannot be renewed, so workers stop by themselves when theirs lapse
            if (!this.failing) {
                logger.warn("Shard coordination failed, retrying: {}", ex.toString());
                this.failing = true;
            }
        }
    }

    private void renewLeases(Duration ttl) {
        for (Map.Entry<Integer, OwnedShard> entry : this.owned.entrySet()) {
            OwnedShard shard = entry.getValue();
            long sentAt = System.nanoTime();
            if (this.leases.renew(entry.getKey(), this.owner, ttl)) {
                shard.lease().renewed(sentAt);
            }
            else {
                logger.warn("Lease of shard {} lost; stopping its worker", entry.getKey());
                shard.lease().revoke();
                shard.worker().stop();
            }
        }
    }

    private void forgetFinishedWorkers() {
        for (Map.Entry<Integer, OwnedShard> entry : List.copyOf(this.owned.entrySet())) {
            if (entry.getValue().thread().isDone()) {
                this.owned.remove(entry.getKey());
                this.leases.release(entry.getKey(), this.owner);
            }
        }
    }

    private void giveBackAbove(int share) {
        List<Integer> serving = new ArrayList<>(ownedShards());
        for (int i = serving.size() - 1; i >= share; i--) {
            int shard = serving.get(i);
            logger.info("Giving shard {} back: share is now {} shards", shard, share);
            OwnedShard current = this.owned.get(shard);
            this.owned.put(shard, current.releasingNow());
            current.worker().stop();
        }
    }

    private void takeUpTo(int share, Duration ttl) {
        int serving = ownedShards().size();
        int start = ThreadLocalRandom.current().nextInt(this.shards);
        for (int i = 0; i < this.shards && serving < share && this.running; i++) {
            int shard = (start + i) % this.shards;
            if (this.owned.containsKey(shard)) {
                continue;
            }
            long sentAt = System.nanoTime();
            if (this.leases.tryAcquire(shard, this.owner, ttl)) {
                Lease lease = new Lease(ttl, sentAt);
                ShardWorker worker = this.workers.create(shard, this.owner, lease);
                this.owned.put(shard, new OwnedShard(lease, worker, this.workerThreads.submit(worker), false));
                serving++;
            }
        }
    }

    private static ThreadFactory namedThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return (runnable) -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(false);
            return thread;
        };
    }

    private record OwnedShard(Lease lease, ShardWorker worker, Future<?> thread, boolean releasing) {

        OwnedShard releasingNow() {
            return new OwnedShard(this.lease, this.worker, this.thread, true);
        }

    }

}
