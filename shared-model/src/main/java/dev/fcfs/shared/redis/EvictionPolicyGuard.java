package dev.fcfs.shared.redis;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Refuses to run on a Redis that may evict queued jobs ({@code reservation.redis.eviction-policy-check}).
 *
 * <p>At start-up (a lifecycle phase after the Redis client's, before the web server's and the worker's) it reads
 * {@code maxmemory-policy} from Redis ({@link EvictionPolicies}). Under {@code fail}, a policy other than
 * {@code noeviction}, or one that cannot be read, stops start-up with the policy found and the fix; under
 * {@code warn} it is logged and the service runs.
 *
 * <p>If Redis cannot be reached at start-up, the service starts anyway, as it does without this check (the producer
 * still serves PostgreSQL, the consumer waits for Redis): the policy is then read in the background every
 * {@value #RECHECK_SECONDS} s until it could be read. Until then, and for as long as a policy found later is not
 * {@code noeviction} under {@code fail}, {@link #requireSafe()} refuses: the producer answers 503 to requests that
 * would queue a job, the consumer takes no shard. A policy that is fixed with {@code CONFIG SET} is noticed by the
 * next read, without a restart. A policy that is changed after it was found safe is not noticed: the check reads it
 * once, like the queue-layout check.
 */
public class EvictionPolicyGuard implements SmartLifecycle {

    /** What to do about it, for messages and the start-up failure report. */
    static final String FIX = "Set maxmemory-policy to noeviction on every Redis master: 'redis-cli CONFIG SET "
            + "maxmemory-policy noeviction' now, and 'maxmemory-policy noeviction' in redis.conf (or the provider's "
            + "parameter group) so that it survives a restart. Only if the policy is known to be safe but cannot be "
            + "read here, set reservation.redis.eviction-policy-check=warn (or off).";

    static final long RECHECK_SECONDS = 2;

    private static final Logger log = LoggerFactory.getLogger(EvictionPolicyGuard.class);

    private enum State {

        /** Not read yet: Redis was unreachable. */
        UNCHECKED,
        /** Every master runs noeviction. */
        SAFE,
        /** Not safe, or unknown, but allowed by {@code warn} (or not read at all under {@code off}). */
        TOLERATED,
        /** Not safe, or unknown, under {@code fail}. */
        REFUSED

    }

    private final RedisConnectionFactory connections;

    private final EvictionPolicyCheck mode;

    private final String redisName;

    private volatile State state = State.UNCHECKED;

    private volatile @Nullable String finding;

    private volatile boolean running;

    private @Nullable ScheduledExecutorService recheck;

    /**
     * @param redisName how log lines name the Redis when it is not a cluster ({@code host:port})
     */
    public EvictionPolicyGuard(RedisConnectionFactory connections, EvictionPolicyCheck mode, String redisName) {
        this.connections = connections;
        this.mode = mode;
        this.redisName = redisName;
    }

    /**
     * Lets a caller go on unless the policy is known to be unsafe under {@code fail}, or is still unknown because
     * Redis has been unreachable since start-up. Costs a volatile read.
     * @throws UnsafeEvictionPolicyException if the caller must not write to Redis
     */
    public void requireSafe() {
        State current = this.state;
        if (current == State.SAFE || current == State.TOLERATED) {
            return;
        }
        if (current == State.UNCHECKED) {
            throw new UnsafeEvictionPolicyException("The Redis maxmemory-policy has not been checked yet: Redis has "
                    + "been unreachable since start-up (reservation.redis.eviction-policy-check=" + modeName() + ")");
        }
        throw new UnsafeEvictionPolicyException(Objects.requireNonNullElse(this.finding, "unsafe maxmemory-policy"));
    }

    /** Whether the policy was read and found to be {@code noeviction} on every master. */
    public boolean verified() {
        return this.state == State.SAFE;
    }

    /**
     * Reads the policy once, now.
     * @throws UnsafeEvictionPolicyException under {@code fail} if it is not {@code noeviction} or cannot be read
     */
    @Override
    public void start() {
        this.running = true;
        if (this.mode == EvictionPolicyCheck.OFF) {
            this.state = State.TOLERATED;
            log.info("Redis maxmemory-policy is not checked (reservation.redis.eviction-policy-check=off)");
            return;
        }
        try {
            apply(EvictionPolicies.read(this.connections, this.redisName), true);
        }
        catch (DataAccessException ex) {
            log.warn("Could not read the Redis maxmemory-policy at start-up (" + ex.getMessage() + "); it is read as "
                    + "soon as Redis is reachable, and until then nothing is queued or taken from the queues");
            scheduleRechecks();
        }
    }

    @Override
    public synchronized void stop() {
        this.running = false;
        if (this.recheck != null) {
            this.recheck.shutdownNow();
            this.recheck = null;
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /** After the Redis client (phase 0) and before the web server and the shard worker. */
    @Override
    public int getPhase() {
        return 1024;
    }

    private synchronized void scheduleRechecks() {
        if (this.recheck == null) {
            this.recheck = Executors.newSingleThreadScheduledExecutor((runnable) -> {
                Thread thread = new Thread(runnable, "redis-eviction-policy-check");
                thread.setDaemon(true);
                return thread;
            });
            this.recheck.scheduleWithFixedDelay(this::recheck, RECHECK_SECONDS, RECHECK_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void recheck() {
        if (this.state == State.SAFE || this.state == State.TOLERATED) {
            ScheduledExecutorService scheduler = this.recheck;
            if (scheduler != null) {
                scheduler.shutdown();
            }
            return;
        }
        try {
            apply(EvictionPolicies.read(this.connections, this.redisName), false);
        }
        catch (DataAccessException ex) {
            // still unreachable: the next round tries again; the outage itself is reported elsewhere
        }
        catch (RuntimeException ex) {
            log.warn("Reading the Redis maxmemory-policy failed: " + ex);
        }
    }

    private void apply(EvictionPolicies.Report report, boolean atStartup) {
        if (report.safe()) {
            if (this.state != State.SAFE) {
                log.info("Redis maxmemory-policy checked: " + report);
            }
            this.state = State.SAFE;
            this.finding = null;
            return;
        }
        String message = describe(report);
        if (this.mode == EvictionPolicyCheck.WARN) {
            this.state = State.TOLERATED;
            log.warn(message + " Running anyway (reservation.redis.eviction-policy-check=warn). " + FIX);
            return;
        }
        if (atStartup) {
            throw new UnsafeEvictionPolicyException(message, " Refusing to start "
                    + "(reservation.redis.eviction-policy-check=fail). " + FIX);
        }
        if (!message.equals(this.finding)) {
            log.error(message + " Nothing is queued or taken from the queues until it is fixed "
                    + "(reservation.redis.eviction-policy-check=fail). " + FIX);
        }
        this.finding = message;
        this.state = State.REFUSED;
    }

    private static String describe(EvictionPolicies.Report report) {
        if (report.unknown()) {
            return "Cannot tell whether Redis may evict queued jobs: " + report.unsafeNodes() + ".";
        }
        return "Redis may evict queued jobs: " + report.unsafeNodes() + ". With any maxmemory-policy but noeviction, "
                + "Redis deletes keys when it reaches maxmemory, and with them accepted reservations that are still "
                + "waiting in the queue.";
    }

    private String modeName() {
        return this.mode.name().toLowerCase(Locale.ROOT);
    }

}
