package dev.fcfs.shared.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.redis.RedisRequirementsProperties.EvictionPolicyCheck;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * What both services require of the Redis that holds the queues, checked before either queues or takes a job:
 * <ul>
 * <li>{@code maxmemory-policy noeviction} on every master, as {@code reservation.redis.eviction-policy-check} says
 * ({@code fail}, {@code warn} or {@code off}): under any other policy Redis deletes keys at {@code maxmemory}, queued
 * jobs among them. Read with {@code CONFIG GET}, or from {@code INFO memory} where a provider disables
 * {@code CONFIG}; a policy that neither can read is unknown, which counts as unsafe.</li>
 * <li>the shard count of the deployment, recorded in {@code <prefix>:layout} by the first service to start: a
 * producer and a consumer that disagree on it map an event to different shards.</li>
 * </ul>
 *
 * <p>Read at start-up, in a lifecycle phase after the Redis client's and before the web server's and the worker's;
 * a requirement that is not met stops start-up with what was found and the fix. If Redis cannot be reached then, the
 * service starts anyway (the producer still answers from PostgreSQL, the consumer waits for Redis) and reads again
 * every {@value #RECHECK_SECONDS} s until every requirement is met. Until then {@link #requireMet()} refuses: the
 * producer answers 503 to requests that would queue a job and the consumer takes no shard. So a policy fixed with
 * {@code CONFIG SET} is picked up without a restart. Once met, nothing is read again: a policy changed afterwards
 * is not noticed.
 */
public class RedisRequirements implements SmartLifecycle {

    static final long RECHECK_SECONDS = 2;

    static final String POLICY_FIX = "Set maxmemory-policy to noeviction on every Redis master: 'redis-cli CONFIG SET "
            + "maxmemory-policy noeviction' now, and 'maxmemory-policy noeviction' in redis.conf (or the provider's "
            + "parameter group) so that it survives a restart. Only if the policy is known to be safe but cannot be "
            + "read here, set reservation.redis.eviction-policy-check=warn (or off).";

    static final String LAYOUT_FIX = "Every producer and consumer must use the same value; to change it, drain the "
            + "queues, delete the key and restart all services with the new value.";

    private static final String NOEVICTION = "noeviction";

    private static final Logger log = LoggerFactory.getLogger(RedisRequirements.class);

    private final RedisConnectionFactory connections;

    private final QueueKeys keys;

    private final EvictionPolicyCheck check;

    private final String redisName;

    /** Why nothing may be queued or taken from the queues now; null once every requirement is met. */
    private volatile @Nullable String refusal = "Redis has not been checked yet (maxmemory-policy, queue layout): it "
            + "has been unreachable since start-up";

    /** The policy was found safe, or tolerated under {@code warn}, or is not read under {@code off}. */
    private volatile boolean policySettled;

    private volatile boolean running;

    private @Nullable ScheduledExecutorService rechecks;

    public RedisRequirements(RedisConnectionFactory connections, QueueKeys keys, EvictionPolicyCheck check) {
        this.connections = connections;
        this.keys = keys;
        this.check = check;
        this.policySettled = (check == EvictionPolicyCheck.OFF);
        this.redisName = (connections instanceof LettuceConnectionFactory lettuce)
                ? lettuce.getHostName() + ":" + lettuce.getPort() : "Redis";
    }

    /**
     * Lets the caller queue or take jobs unless a requirement is known not to be met, or Redis has been unreachable
     * since start-up. Costs a volatile read.
     * @throws RedisRequirementsException if the caller must not use the queues
     */
    public void requireMet() {
        String why = this.refusal;
        if (why != null) {
            throw new RedisRequirementsException(why);
        }
    }

    /**
     * Reads every requirement once, now.
     * @throws RedisRequirementsException if one is not met
     */
    @Override
    public synchronized void start() {
        this.running = true;
        if (this.check == EvictionPolicyCheck.OFF) {
            log.info("Redis maxmemory-policy is not checked (reservation.redis.eviction-policy-check=off)");
        }
        Finding finding;
        try {
            finding = read();
        }
        catch (DataAccessException ex) {
            log.warn("Could not read the Redis {} at start-up ({}); it is read as soon as Redis is reachable, and "
                    + "until then nothing is queued or taken from the queues",
                    this.policySettled ? "queue layout" : "maxmemory-policy", ex.getMessage());
            this.rechecks = Executors.newSingleThreadScheduledExecutor((task) -> {
                Thread thread = new Thread(task, "redis-requirements-check");
                thread.setDaemon(true);
                return thread;
            });
            this.rechecks.scheduleWithFixedDelay(this::recheck, RECHECK_SECONDS, RECHECK_SECONDS, TimeUnit.SECONDS);
            return;
        }
        if (finding != null) {
            throw new RedisRequirementsException(finding.what(), " Refusing to start (" + finding.setting() + "). ",
                    finding.fix());
        }
        this.refusal = null;
    }

    @Override
    public synchronized void stop() {
        this.running = false;
        if (this.rechecks != null) {
            this.rechecks.shutdownNow();
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

    private void recheck() {
        try {
            Finding finding = read();
            if (finding == null) {
                this.refusal = null;
                this.rechecks.shutdown();
                return;
            }
            if (!finding.what().equals(this.refusal)) {
                log.error("{} Nothing is queued or taken from the queues until it is fixed ({}). {}", finding.what(),
                        finding.setting(), finding.fix());
            }
            this.refusal = finding.what();
        }
        catch (DataAccessException ex) {
            // still unreachable: the next round tries again; the outage itself is reported elsewhere
        }
        catch (RuntimeException ex) {
            // caught, or the executor would cancel every later round
            log.warn("Checking the Redis requirements failed: {}", ex.toString());
        }
    }

    /**
     * @return what is not met, or null if everything is (or is waived by {@code warn} or {@code off})
     * @throws DataAccessException if Redis cannot be reached
     */
    private @Nullable Finding read() {
        try (RedisConnection connection = this.connections.getConnection()) {
            if (!this.policySettled) {
                Finding policy = evictionPolicy(connection);
                if (policy != null && this.check == EvictionPolicyCheck.FAIL) {
                    return policy;
                }
                if (policy != null) {
                    log.warn("{} Running anyway (reservation.redis.eviction-policy-check=warn). {}", policy.what(),
                            POLICY_FIX);
                }
                this.policySettled = true;
            }
            return layout(connection);
        }
    }

    private @Nullable Finding evictionPolicy(RedisConnection connection) {
        List<NodePolicy> nodes = new ArrayList<>();
        if (connection instanceof RedisClusterConnection cluster) {
            for (RedisClusterNode node : cluster.clusterGetNodes()) {
                if (node.isMaster()) {
                    nodes.add(NodePolicy.read(node.asString(),
                            () -> cluster.serverCommands().getConfig(node, "maxmemory-policy"),
                            () -> cluster.serverCommands().info(node, "memory")));
                }
            }
        }
        else {
            nodes.add(NodePolicy.read(this.redisName, () -> connection.serverCommands().getConfig("maxmemory-policy"),
                    () -> connection.serverCommands().info("memory")));
        }
        List<NodePolicy> unsafe = nodes.stream().filter((node) -> !NOEVICTION.equals(node.policy())).toList();
        if (!nodes.isEmpty() && unsafe.isEmpty()) {
            log.info("Redis maxmemory-policy checked: {}", join(nodes));
            return null;
        }
        String which = nodes.isEmpty() ? "no Redis master found" : join(unsafe);
        String setting = "reservation.redis.eviction-policy-check=fail";
        if (nodes.isEmpty() || unsafe.stream().anyMatch((node) -> node.policy() == null)) {
            return new Finding("Cannot tell whether Redis may evict queued jobs: " + which + ".", setting, POLICY_FIX);
        }
        return new Finding("Redis may evict queued jobs: " + which + ". With any maxmemory-policy but noeviction, "
                + "Redis deletes keys when it reaches maxmemory, and with them accepted reservations that are still "
                + "waiting in the queue.", setting, POLICY_FIX);
    }

    private @Nullable Finding layout(RedisConnection connection) {
        String expected = "shards=" + this.keys.shards();
        byte[] key = this.keys.layout().getBytes(StandardCharsets.UTF_8);
        // read before writing: a Redis at maxmemory refuses SET even for a key that exists, and a service restarted
        // while Redis is full (the consumers above all: they are what frees memory) must get past this check
        byte[] recorded = connection.stringCommands().get(key);
        if (recorded == null) {
            connection.stringCommands().setNX(key, expected.getBytes(StandardCharsets.UTF_8));
            recorded = connection.stringCommands().get(key);
        }
        if (recorded == null || expected.equals(new String(recorded, StandardCharsets.UTF_8))) {
            return null;
        }
        return new Finding("Redis key '" + this.keys.layout() + "' says this deployment runs with "
                + new String(recorded, StandardCharsets.UTF_8) + ", but this service is configured with " + expected
                + ".", "reservation.queue.shards", LAYOUT_FIX);
    }

    private static String join(List<NodePolicy> nodes) {
        return nodes.stream().map(NodePolicy::toString).collect(Collectors.joining("; "));
    }

    /** A requirement that is not met: what was found, the setting that refuses it, and what to do about it. */
    private record Finding(String what, String setting, String fix) {
    }

    /** One master's policy (null if unreadable), with how it was read if not by {@code CONFIG GET}, or why not. */
    private record NodePolicy(String node, @Nullable String policy, @Nullable String note) {

        static NodePolicy read(String node, Supplier<@Nullable Properties> config,
                Supplier<@Nullable Properties> info) {
            String refused;
            try {
                String policy = property(config.get(), "maxmemory-policy");
                if (policy != null) {
                    return new NodePolicy(node, policy, null);
                }
                refused = "CONFIG GET maxmemory-policy answered nothing";
            }
            catch (DataAccessException ex) {
                refused = "CONFIG GET refused (" + reasonRefused(ex) + ")";
            }
            try {
                String policy = property(info.get(), "maxmemory_policy");
                String how = (policy != null) ? "read from INFO memory instead" : "INFO memory has no maxmemory_policy";
                return new NodePolicy(node, policy, refused + "; " + how);
            }
            catch (DataAccessException ex) {
                return new NodePolicy(node, null, refused + "; INFO refused (" + reasonRefused(ex) + ")");
            }
        }

        private static @Nullable String property(@Nullable Properties properties, String name) {
            String value = (properties != null) ? properties.getProperty(name) : null;
            return (value == null || value.isBlank()) ? null : value.trim();
        }

        /** A refused command is an answer; a connection that fails or times out is not, and is thrown on. */
        private static String reasonRefused(DataAccessException ex) {
            if (ex instanceof DataAccessResourceFailureException || ex instanceof TransientDataAccessException) {
                throw ex;
            }
            return String.valueOf(NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
        }

        @Override
        public String toString() {
            return this.node + " maxmemory-policy " + ((this.policy != null) ? this.policy : "unknown")
                    + ((this.note != null) ? " (" + this.note + ")" : "");
        }

    }

}
