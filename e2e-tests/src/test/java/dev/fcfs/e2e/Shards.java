package dev.fcfs.e2e;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.Deployment;
import dev.fcfs.testsupport.ServiceProcess;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * The shards of a deployment as its Redis shows them, read by the key names the services use ({@link QueueKeys}):
 * who holds each shard's lease, and which jobs a consumer has taken into its processing lists and not acknowledged.
 */
final class Shards {

    /** A consumer's default id: host, pid and 8 hex digits (ConsumerConfiguration). */
    private static final String OWNER_WITH_PID = ".*-%d-[0-9a-f]{8}";

    /**
     * How long a frozen consumer's last commands may take to land before its state counts as fixed: one that
     * was on the wire when SIGSTOP came (an acknowledgement, say) still runs in Redis.
     */
    private static final Duration SETTLE = Duration.ofMillis(300);

    private final Supplier<RedisClusterCommands<String, String>> redis;

    private final QueueKeys keys;

    Shards(Deployment deployment, int shards) {
        this(deployment::redis, new QueueKeys(deployment.keyPrefix(), shards));
    }

    Shards(Supplier<RedisClusterCommands<String, String>> redis, QueueKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    QueueKeys keys() {
        return this.keys;
    }

    /** The id in the shard's lease, or null if nobody holds it. */
    String leaseOwner(int shard) {
        return this.redis.get().get(this.keys.lease(shard));
    }

    boolean allLeased() {
        return IntStream.range(0, this.keys.shards()).allMatch((shard) -> leaseOwner(shard) != null);
    }

    /** Whether a lease owner id is that of the consumer (by the pid in its default id). */
    static boolean ownedBy(ServiceProcess consumer, String owner) {
        return owner != null && Pattern.matches(String.format(OWNER_WITH_PID, consumer.pid()), owner);
    }

    List<Integer> leasedBy(ServiceProcess consumer) {
        return IntStream.range(0, this.keys.shards())
            .filter((shard) -> ownedBy(consumer, leaseOwner(shard)))
            .boxed()
            .toList();
    }

    long processingLength(int shard) {
        return this.redis.get().llen(this.keys.processing(shard));
    }

    /** Jobs a consumer has taken into the processing lists of the shards it leases and not acknowledged yet. */
    long jobsInFlight(ServiceProcess consumer) {
        return leasedBy(consumer).stream().mapToLong(this::processingLength).sum();
    }

    /** Jobs waiting in the shard queues (not yet taken). */
    long queuedJobs() {
        return IntStream.range(0, this.keys.shards())
            .mapToLong((shard) -> this.redis.get().llen(this.keys.queue(shard)))
            .sum();
    }

    long deadLetters() {
        return IntStream.range(0, this.keys.shards())
            .mapToLong((shard) -> this.redis.get().llen(this.keys.deadLetter(shard)))
            .sum();
    }

    /**
     * Kills one of the consumers (SIGKILL) at a moment it holds work: a shard's lease, and jobs taken from that shard
     * and not acknowledged. Once Redis shows one so, that consumer is frozen (SIGSTOP), so that nothing it does can
     * change it between the look and the kill; after its last commands on the wire have landed it is looked at
     * again, killed if it still holds work, thawed and waited for again if not.
     * @throws AssertionError if none of them holds work at any look within {@code within}
     */
    Kill killHoldingWork(List<ServiceProcess> consumers, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        for (int look = 1;; look++) {
            ServiceProcess victim = holdingWork(consumers);
            while (victim == null) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("none of " + consumers + " held a shard with jobs taken and not "
                            + "acknowledged at any moment within " + within
                            + ": a kill then would hit an idle process");
                }
                sleep(Duration.ofMillis(1));
                victim = holdingWork(consumers);
            }
            victim.freeze();
            sleep(SETTLE);
            List<Integer> shards = leasedBy(victim);
            long jobs = shards.stream().mapToLong(this::processingLength).sum();
            if (jobs > 0) {
                int status = victim.kill();
                return new Kill(victim, status, shards, jobs, look);
            }
            victim.thaw();
        }
    }

    /** A live consumer that leases a shard whose processing list holds jobs, or null. */
    private ServiceProcess holdingWork(List<ServiceProcess> consumers) {
        for (int shard = 0; shard < this.keys.shards(); shard++) {
            if (processingLength(shard) > 0) {
                String owner = leaseOwner(shard);
                for (ServiceProcess consumer : consumers) {
                    if (consumer.isAlive() && ownedBy(consumer, owner)) {
                        return consumer;
                    }
                }
            }
        }
        return null;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * A kill of a consumer that held work.
     * @param victim the consumer killed
     * @param exitStatus its exit status, {@link ServiceProcess#SIGKILL_EXIT_STATUS} after SIGKILL
     * @param shards the shards it leased when killed
     * @param jobsLeftBehind jobs in those shards' processing lists when it was killed
     * @param looks how many times it had to be looked at before it was caught holding work
     */
    record Kill(ServiceProcess victim, int exitStatus, List<Integer> shards, long jobsLeftBehind, int looks) {

        @Override
        public String toString() {
            return this.victim + " killed holding the leases of shards " + this.shards + " with " + this.jobsLeftBehind
                    + " jobs taken and not acknowledged (caught on look " + this.looks + ")";
        }

    }

}
