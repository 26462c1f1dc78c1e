package dev.fcfs.shared.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Reads {@code maxmemory-policy} from Redis: from the server, or from every master of a cluster. {@code CONFIG GET}
 * first; where a provider disables or renames {@code CONFIG} (or an ACL forbids it), the {@code maxmemory_policy}
 * line of {@code INFO memory}; where both are refused, the node's policy is unknown, with the reason.
 */
public final class EvictionPolicies {

    /** The only policy under which Redis never deletes a queued job to make room. */
    public static final String NOEVICTION = "noeviction";

    private EvictionPolicies() {
    }

    /**
     * The policy of every node that takes writes.
     * @throws DataAccessException if Redis cannot be reached (connection refused, timeout)
     */
    public static Report read(RedisConnectionFactory connections, String name) {
        try (RedisConnection connection = connections.getConnection()) {
            if (connection instanceof RedisClusterConnection cluster) {
                List<NodePolicy> nodes = new ArrayList<>();
                for (RedisClusterNode node : cluster.clusterGetNodes()) {
                    if (node.isMaster()) {
                        nodes.add(readNode(node.asString(),
                                () -> cluster.serverCommands().getConfig(node, "maxmemory-policy"),
                                () -> cluster.serverCommands().info(node, "memory")));
                    }
                }
                return new Report(nodes);
            }
            return new Report(List.of(readNode(name, () -> connection.serverCommands().getConfig("maxmemory-policy"),
                    () -> connection.serverCommands().info("memory"))));
        }
    }

    private static NodePolicy readNode(String node, Supplier<@Nullable Properties> config,
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
            rethrowIfUnreachable(ex);
            refused = "CONFIG GET refused (" + reason(ex) + ")";
        }
        try {
            String policy = property(info.get(), "maxmemory_policy");
            if (policy != null) {
                return new NodePolicy(node, policy, refused + "; read from INFO memory instead");
            }
            return new NodePolicy(node, null, refused + "; INFO memory has no maxmemory_policy");
        }
        catch (DataAccessException ex) {
            rethrowIfUnreachable(ex);
            return new NodePolicy(node, null, refused + "; INFO refused (" + reason(ex) + ")");
        }
    }

    private static @Nullable String property(@Nullable Properties properties, String name) {
        if (properties == null) {
            return null;
        }
        String value = properties.getProperty(name);
        return (value == null || value.isBlank()) ? null : value.trim();
    }

    /** A refused command is an answer; a connection that fails or times out is not, and is retried later. */
    private static void rethrowIfUnreachable(DataAccessException ex) {
        if (ex instanceof DataAccessResourceFailureException || ex instanceof TransientDataAccessException) {
            throw ex;
        }
    }

    private static String reason(Throwable ex) {
        return String.valueOf(NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
    }

    /**
     * The policy of one node.
     * @param node {@code host:port}
     * @param policy its {@code maxmemory-policy}, or null if it could not be read
     * @param note how it was read when {@code CONFIG GET} was refused, or why it could not be read
     */
    public record NodePolicy(String node, @Nullable String policy, @Nullable String note) {

        public boolean safe() {
            return NOEVICTION.equals(this.policy);
        }

        @Override
        public String toString() {
            return this.node + " maxmemory-policy " + ((this.policy != null) ? this.policy : "unknown")
                    + ((this.note != null) ? " (" + this.note + ")" : "");
        }

    }

    /** The policies of all nodes that take writes. */
    public record Report(List<NodePolicy> nodes) {

        /** Every node runs with {@code noeviction} (and there is at least one). */
        public boolean safe() {
            return !this.nodes.isEmpty() && this.nodes.stream().allMatch(NodePolicy::safe);
        }

        /** Whether the policy of some node could not be read at all. */
        public boolean unknown() {
            return this.nodes.isEmpty() || this.nodes.stream().anyMatch((node) -> node.policy() == null);
        }

        /** The nodes that are not safe, one per clause. */
        public String unsafeNodes() {
            return this.nodes.isEmpty() ? "no Redis master found"
                    : this.nodes.stream().filter((node) -> !node.safe()).map(NodePolicy::toString)
                        .collect(Collectors.joining("; "));
        }

        @Override
        public String toString() {
            return this.nodes.stream().map(NodePolicy::toString).collect(Collectors.joining("; "));
        }

    }

}
