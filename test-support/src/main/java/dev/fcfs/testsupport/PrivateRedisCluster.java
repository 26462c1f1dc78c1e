package dev.fcfs.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;

/**
 * A real Redis Cluster of {@code masters} masters and no replicas: one {@link PrivateRedis} per node (cluster mode, no
 * persistence, {@code noeviction}), joined with {@code redis-cli --cluster create}. {@link #close()} stops every node
 * and removes their directories.
 *
 * <p>Needs the {@code redis-server} and {@code redis-cli} binaries (Redis 7): see {@link #binariesAvailable()}.
 */
public final class PrivateRedisCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** Cluster ports: the bus port is the node port + 10000, so both must be free, and below the ephemeral range. */
    private static final int LOWEST_PORT = 20000;

    private static final int HIGHEST_PORT = 29999;

    private static final int BUS_PORT_OFFSET = 10000;

    private final List<PrivateRedis> nodes = new ArrayList<>();

    private RedisClusterClient client;

    private StatefulRedisClusterConnection<String, String> connection;

    private PrivateRedisCluster() {
    }

    /** Whether {@code redis-server} and {@code redis-cli} can be found. */
    public static boolean binariesAvailable() {
        return PrivateRedis.binaryAvailable() && Processes.binary("redis-cli").isPresent();
    }

    /**
     * Starts the nodes, creates the cluster and waits until every node reports {@code cluster_state:ok}.
     * @throws IllegalStateException if that fails (with the end of the node logs); nothing is left running then
     */
    public static PrivateRedisCluster start(int masters) {
        if (masters < 3) {
            throw new IllegalArgumentException("redis-cli --cluster create needs at least 3 masters, not " + masters);
        }
        String cli = Processes.binary("redis-cli").orElseThrow(() -> new IllegalStateException("redis-cli not found"));
        PrivateRedisCluster cluster = new PrivateRedisCluster();
        try {
            for (int i = 0; i < masters; i++) {
                cluster.nodes.add(startNode());
            }
            cluster.create(cli);
            cluster.awaitClusterStateOk(System.nanoTime() + START_TIMEOUT.toNanos());
            return cluster;
        }
        catch (RuntimeException ex) {
            StringBuilder logs = new StringBuilder();
            cluster.nodes.forEach((node) -> logs.append("--- ").append(node).append(":\n")
                .append(Processes.tail(node.directory().resolve("redis.log"), 20)).append('\n'));
            cluster.close();
            throw new IllegalStateException("Could not start a " + masters + "-master Redis Cluster: " + ex.getMessage()
                    + "\n" + logs, ex);
        }
    }

    /** The nodes as {@code 127.0.0.1:port}. */
    public List<String> nodes() {
        return this.nodes.stream().map((node) -> node.host() + ":" + node.port()).toList();
    }

    /** The value for {@code spring.data.redis.cluster.nodes} ({@code SPRING_DATA_REDIS_CLUSTER_NODES}). */
    public String nodesProperty() {
        return String.join(",", nodes());
    }

    /** The nodes' directories (configuration and logs). */
    List<Path> directories() {
        return this.nodes.stream().map(PrivateRedis::directory).toList();
    }

    /**
     * Commands on a cluster connection of the test's own (opened on first use): keys are routed to the master that
     * serves their slot.
     */
    public synchronized RedisAdvancedClusterCommands<String, String> commands() {
        if (this.connection == null) {
            this.client = RedisClusterClient.create(nodes().stream().map((node) -> RedisURI.create("redis://" + node))
                .toList());
            this.connection = this.client.connect();
        }
        return this.connection.sync();
    }

    /**
     * How many keys matching a {@code SCAN MATCH} pattern each node holds, by node: where the keys went. (A
     * {@code SCAN} sent to one node sees only that node's keys.)
     */
    public Map<String, Long> keysPerNode(String pattern) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (PrivateRedis node : this.nodes) {
            RedisCommands<String, String> redis = node.commands();
            long count = 0;
            ScanArgs match = ScanArgs.Builder.matches(pattern).limit(1000);
            KeyScanCursor<String> page = redis.scan(match);
            count += page.getKeys().size();
            while (!page.isFinished()) {
                page = redis.scan(page, match);
                count += page.getKeys().size();
            }
            counts.put(node.host() + ":" + node.port(), count);
        }
        return counts;
    }

    /**
     * Moves a hash slot, with its keys, to the next master, the way {@code redis-cli --cluster reshard} does one slot
     * ({@code CLUSTER SETSLOT IMPORTING/MIGRATING}, {@code MIGRATE}, {@code CLUSTER SETSLOT NODE} on every node):
     * clients that still route the slot to the old master are answered {@code MOVED}, as after a resharding or a
     * failover. Meant for a moment without traffic on that slot: a multi-key command arriving mid-migration may be
     * answered {@code TRYAGAIN}.
     * @return the old and the new master, {@code 127.0.0.1:port -> 127.0.0.1:port}
     */
    public String moveSlot(int slot) {
        int from = masterIndexOf(slot);
        PrivateRedis source = this.nodes.get(from);
        PrivateRedis target = this.nodes.get((from + 1) % this.nodes.size());
        String sourceId = source.commands().clusterMyId();
        String targetId = target.commands().clusterMyId();
        target.commands().clusterSetSlotImporting(slot, sourceId);
        source.commands().clusterSetSlotMigrating(slot, targetId);
        RedisCommands<String, String> sourceCommands = source.commands();
        for (List<String> keys = sourceCommands.clusterGetKeysInSlot(slot, 100); !keys.isEmpty();
                keys = sourceCommands.clusterGetKeysInSlot(slot, 100)) {
            sourceCommands.migrate(target.host(), target.port(), 0, 5000, MigrateArgs.Builder.keys(keys));
        }
        // the new owner first, then the old one, then the others (Redis Cluster specification, live resharding)
        target.commands().clusterSetSlotNode(slot, targetId);
        source.commands().clusterSetSlotNode(slot, targetId);
        this.nodes.stream()
            .filter((node) -> node != source && node != target)
            .forEach((node) -> node.commands().clusterSetSlotNode(slot, targetId));
        return source.host() + ":" + source.port() + " -> " + target.host() + ":" + target.port();
    }

    /** Stops every node and removes their directories. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (this.connection != null) {
            this.connection.close();
            this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            this.connection = null;
        }
        this.nodes.forEach(PrivateRedis::close);
    }

    @Override
    public String toString() {
        return "Redis Cluster " + nodes();
    }

    private static PrivateRedis startNode() {
        IllegalStateException failure = null;
        // another process may take a port between the check and redis-server's bind: then try another pair
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePortPair();
            try {
                return PrivateRedis.builder()
                    .port(port)
                    .maxmemoryPolicy("noeviction")
                    .args("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf")
                    .start();
            }
            catch (IllegalStateException ex) {
                failure = ex;
            }
        }
        throw failure;
    }

    /** The node whose own line in {@code CLUSTER NODES} lists the slot among its ranges. */
    private int masterIndexOf(int slot) {
        for (int i = 0; i < this.nodes.size(); i++) {
            String myself = this.nodes.get(i).commands().clusterNodes().lines()
                .filter((line) -> line.contains("myself"))
                .findFirst()
                .orElse("");
            String[] fields = myself.split(" ");
            // id address flags master ping-sent pong-recv epoch link-state slot ranges ("0-5460", "7", "[...]")
            for (int f = 8; f < fields.length; f++) {
                String[] range = fields[f].split("-");
                if (!fields[f].startsWith("[") && Integer.parseInt(range[0]) <= slot
                        && slot <= Integer.parseInt(range[range.length - 1])) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("No master serves slot " + slot);
    }

    private void create(String cli) {
        List<String> command = new ArrayList<>(List.of(cli, "--cluster", "create"));
        command.addAll(nodes());
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Processes.run(command, this.nodes.get(0).directory().resolve("cluster-create.log"), START_TIMEOUT);
    }

    /** Every node must agree the cluster is up (all slots served) before a client reads the topology from it. */
    private void awaitClusterStateOk(long deadline) {
        for (PrivateRedis node : this.nodes) {
            while (!node.commands().clusterInfo().contains("cluster_state:ok")) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(node + " does not report cluster_state:ok");
                }
                Processes.pause(Duration.ofMillis(100));
            }
        }
    }

    /** A port whose cluster bus port (+10000) is free too; both checked by binding them on loopback. */
    private static int freePortPair() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, HIGHEST_PORT + 1);
            if (canBind(port) && canBind(port + BUS_PORT_OFFSET)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port pair between " + LOWEST_PORT + " and " + HIGHEST_PORT);
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

}
