package dev.fcfs.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Stream;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * A real Redis Cluster of {@code masters} masters and no replicas, on free loopback ports: one {@code redis-server}
 * child process per node (cluster mode, no persistence, {@code noeviction}), joined with
 * {@code redis-cli --cluster create}. Every file it writes is in one temporary directory. {@link #close()} (and, if
 * the JVM exits without it, a shutdown hook) kills the processes and deletes the directory.
 *
 * <p>Needs the {@code redis-server} and {@code redis-cli} binaries (Redis 7): see {@link #binariesAvailable()}.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** Cluster ports: the bus port is the node port + 10000, so both must be free, and below the ephemeral range. */
    private static final int LOWEST_PORT = 20000;

    private static final int HIGHEST_PORT = 29999;

    private static final int BUS_PORT_OFFSET = 10000;

    private final Path directory;

    private final List<Node> nodes = new ArrayList<>();

    private final Thread shutdownHook;

    /** For the harness's own commands (PING, CLUSTER INFO, SCAN, slot moves), one node at a time. */
    private final RedisClient client = RedisClient.create();

    private LocalRedisCluster(Path directory) {
        this.directory = directory;
        this.shutdownHook = new Thread(() -> {
            stopProcesses();
            deleteDirectory();
        }, "stop-redis-cluster");
        Runtime.getRuntime().addShutdownHook(this.shutdownHook);
    }

    /** Whether {@code redis-server} and {@code redis-cli} can be found on the {@code PATH} (or in /usr/bin). */
    public static boolean binariesAvailable() {
        return binary("redis-server").isPresent() && binary("redis-cli").isPresent();
    }

    /**
     * Starts the nodes, creates the cluster and waits until every node reports {@code cluster_state:ok}.
     * @throws IllegalStateException if that fails (with the tail of the node logs); nothing is left running then
     */
    public static LocalRedisCluster start(int masters) {
        if (masters < 3) {
            throw new IllegalArgumentException("redis-cli --cluster create needs at least 3 masters, not " + masters);
        }
        String server = binary("redis-server").orElseThrow(() -> new IllegalStateException("redis-server not found"));
        String cli = binary("redis-cli").orElseThrow(() -> new IllegalStateException("redis-cli not found"));
        Path directory;
        try {
            directory = Files.createTempDirectory("fcfs-redis-cluster-");
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        LocalRedisCluster cluster = new LocalRedisCluster(directory);
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            for (int i = 0; i < masters; i++) {
                cluster.nodes.add(cluster.startNode(server, deadline));
            }
            cluster.create(cli);
            cluster.awaitClusterStateOk(deadline);
            return cluster;
        }
        catch (RuntimeException ex) {
            String logs = cluster.logTails();
            cluster.close();
            throw new IllegalStateException("Could not start a " + masters + "-master Redis Cluster: " + ex.getMessage()
                    + "\n" + logs, ex);
        }
    }

    /** The nodes as {@code 127.0.0.1:port}. */
    public List<String> nodes() {
        return this.nodes.stream().map((node) -> "127.0.0.1:" + node.port()).toList();
    }

    /** The value for {@code spring.data.redis.cluster.nodes} ({@code SPRING_DATA_REDIS_CLUSTER_NODES}). */
    public String nodesProperty() {
        return String.join(",", nodes());
    }

    /** The temporary directory holding the nodes' configuration and logs. */
    Path directory() {
        return this.directory;
    }

    /**
     * How many keys matching a {@code SCAN MATCH} pattern each node holds, by node: where the keys went. (A
     * {@code SCAN} sent to one node sees only that node's keys.)
     */
    public Map<String, Long> keysPerNode(String pattern) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Node node : this.nodes) {
            counts.put("127.0.0.1:" + node.port(), onNode(node.port(), (redis) -> {
                long count = 0;
                ScanArgs match = ScanArgs.Builder.matches(pattern).limit(1000);
                KeyScanCursor<String> page = redis.scan(match);
                count += page.getKeys().size();
                while (!page.isFinished()) {
                    page = redis.scan(page, match);
                    count += page.getKeys().size();
                }
                return count;
            }));
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
        int to = (from + 1) % this.nodes.size();
        int source = this.nodes.get(from).port();
        int target = this.nodes.get(to).port();
        String sourceId = onNode(source, RedisCommands::clusterMyId);
        String targetId = onNode(target, RedisCommands::clusterMyId);
        onNode(target, (redis) -> redis.clusterSetSlotImporting(slot, sourceId));
        onNode(source, (redis) -> redis.clusterSetSlotMigrating(slot, targetId));
        onNode(source, (redis) -> {
            for (List<String> keys = redis.clusterGetKeysInSlot(slot, 100); !keys.isEmpty();
                    keys = redis.clusterGetKeysInSlot(slot, 100)) {
                redis.migrate("127.0.0.1", target, 0, 5000, MigrateArgs.Builder.keys(keys));
            }
            return null;
        });
        // the new owner first, then the old one, then the others (Redis Cluster specification, live resharding)
        onNode(target, (redis) -> redis.clusterSetSlotNode(slot, targetId));
        onNode(source, (redis) -> redis.clusterSetSlotNode(slot, targetId));
        for (Node node : this.nodes) {
            if (node.port() != source && node.port() != target) {
                onNode(node.port(), (redis) -> redis.clusterSetSlotNode(slot, targetId));
            }
        }
        return "127.0.0.1:" + source + " -> 127.0.0.1:" + target;
    }

    /** Kills every node and deletes the directory with their configuration and logs. Safe to call twice. */
    @Override
    public void close() {
        stopProcesses();
        deleteDirectory();
        this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        try {
            Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
        }
        catch (IllegalStateException ex) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }

    @Override
    public String toString() {
        return "Redis Cluster " + nodes();
    }

    private Node startNode(String server, long deadline) {
        for (int attempt = 1; System.nanoTime() - deadline < 0; attempt++) {
            int port = freePortPair();
            Path log = this.directory.resolve("redis-" + port + ".log");
            List<String> command = List.of(server, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file",
                    this.directory.resolve("nodes-" + port + ".conf").toString(), "--dir", this.directory.toString(),
                    "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--daemonize", "no");
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Could not run " + command, ex);
            }
            Node node = new Node(port, process);
            // Another process may take the port between the check and redis-server's bind: then try another one.
            while (process.isAlive() && System.nanoTime() - deadline < 0) {
                if (answersPing(node.port())) {
                    return node;
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            node.stop();
            if (attempt >= 5) {
                throw new IllegalStateException("redis-server did not start on port " + port + ":\n" + tail(log));
            }
        }
        throw new IllegalStateException("redis-server did not start within " + START_TIMEOUT);
    }

    /** The node whose own line in {@code CLUSTER NODES} lists the slot among its ranges. */
    private int masterIndexOf(int slot) {
        for (int i = 0; i < this.nodes.size(); i++) {
            String myself = onNode(this.nodes.get(i).port(), RedisCommands::clusterNodes).lines()
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
        Path log = this.directory.resolve("cluster-create.log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
            if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create still running after " + START_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ":\n" + tail(log));
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not run " + command, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating the cluster", ex);
        }
    }

    /** Every node must agree the cluster is up (all slots served) before a client reads the topology from it. */
    private void awaitClusterStateOk(long deadline) {
        for (Node node : this.nodes) {
            while (!onNode(node.port(), RedisCommands::clusterInfo).contains("cluster_state:ok")) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("127.0.0.1:" + node.port() + " does not report cluster_state:ok");
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        }
    }

    private synchronized void stopProcesses() {
        this.nodes.forEach(Node::stop);
    }

    private void deleteDirectory() {
        if (!Files.exists(this.directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(this.directory)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
        catch (IOException ex) {
            System.err.println("Could not delete " + this.directory + ": " + ex);
        }
    }

    private String logTails() {
        StringBuilder logs = new StringBuilder();
        try (Stream<Path> files = Files.list(this.directory)) {
            files.filter((file) -> file.toString().endsWith(".log"))
                .sorted()
                .forEach((file) -> logs.append("--- ").append(file.getFileName()).append(":\n").append(tail(file)));
        }
        catch (IOException | UncheckedIOException ex) {
            logs.append("(could not read the logs in ").append(this.directory).append(": ").append(ex).append(")");
        }
        return logs.toString();
    }

    private <T> T onNode(int port, Function<RedisCommands<String, String>, T> command) {
        RedisURI uri = RedisURI.create("127.0.0.1", port);
        try (StatefulRedisConnection<String, String> connection = this.client.connect(uri)) {
            return command.apply(connection.sync());
        }
    }

    private boolean answersPing(int port) {
        try {
            return "PONG".equals(onNode(port, RedisCommands::ping));
        }
        catch (RuntimeException ex) {
            return false;
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

    private static Optional<String> binary(String name) {
        String path = System.getenv("PATH");
        List<String> directories = new ArrayList<>();
        if (path != null) {
            directories.addAll(List.of(path.split(File.pathSeparator)));
        }
        directories.add("/usr/bin");
        directories.add("/usr/local/bin");
        return directories.stream()
            .map((directory) -> Path.of(directory, name))
            .filter(Files::isExecutable)
            .map(Path::toString)
            .findFirst();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())) + "\n";
        }
        catch (IOException ex) {
            return "(no log: " + ex.getMessage() + ")\n";
        }
    }

    private record Node(int port, Process process) {

        /** SIGTERM (no persistence: it exits at once), SIGKILL if it has not after 5 seconds. */
        void stop() {
            if (!this.process.isAlive()) {
                return;
            }
            this.process.destroy();
            try {
                if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
                    this.process.destroyForcibly();
                    this.process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                this.process.destroyForcibly();
            }
        }

    }

}
