package dev.fcfs.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.awaitility.Awaitility;

/**
 * A {@code redis-server} of the test's own: its own directory and loopback port, started with the shipped
 * configuration ({@code deploy/redis/redis.conf}: AOF with {@code appendfsync always}, {@code noeviction}, no RDB
 * snapshots), which is checked at every start. It can be crashed ({@link #kill()}, SIGKILL) or shut down
 * ({@link #shutdownNoSave()}) and started again on the same port and data directory ({@link #restart()}).
 *
 * <p>Never the shared Redis on 6379: the suite may crash this one, fill it up and change its settings.
 */
final class PrivateRedis implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** What the shipped configuration must say, and what the durability scenarios rely on. */
    private static final Map<String, String> REQUIRED_SETTINGS = Map.of("appendonly", "yes", "appendfsync", "always",
            "maxmemory-policy", "noeviction", "save", "", "no-appendfsync-on-rewrite", "no");

    private final Path directory;

    private final int port;

    private final Long maxmemoryBytes;

    private final RedisClient client;

    private volatile Process process;

    private StatefulRedisConnection<String, String> connection;

    private boolean closed;

    private PrivateRedis(Path directory, int port, Long maxmemoryBytes) {
        this.directory = directory;
        this.port = port;
        this.maxmemoryBytes = maxmemoryBytes;
        this.client = RedisClient.create(RedisURI.builder()
            .withHost("127.0.0.1")
            .withPort(port)
            .withTimeout(Duration.ofSeconds(5))
            .build());
        // A connection lost in a crash is dropped and replaced on the next call, never queued behind reconnects.
        this.client.setOptions(ClientOptions.builder().autoReconnect(false).build());
    }

    /**
     * Starts a new server and waits until it answers.
     * @param maxmemoryBytes {@code maxmemory}, or null for none (the suite can also change it at run time)
     */
    static PrivateRedis create(Long maxmemoryBytes) {
        reapOrphans();
        PrivateRedis redis = new PrivateRedis(PrivateServers.newDirectory("redis"), PrivateServers.freePort(),
                maxmemoryBytes);
        Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "stop-private-redis-" + redis.port));
        try {
            redis.launch();
            redis.checkSettings();
            return redis;
        }
        catch (RuntimeException ex) {
            redis.close();
            throw ex;
        }
    }

    String host() {
        return "127.0.0.1";
    }

    int port() {
        return this.port;
    }

    Path directory() {
        return this.directory;
    }

    long pid() {
        return this.process.pid();
    }

    boolean isRunning() {
        Process current = this.process;
        return current != null && current.isAlive();
    }

    /** Crashes the server with SIGKILL: no shutdown, no final AOF flush. Only what was fsynced survives. */
    synchronized void kill() {
        Process current = this.process;
        current.destroyForcibly();
        awaitExit(current);
        dropConnection();
    }

    /**
     * Freezes the server with SIGSTOP: connections stay open, commands sent meanwhile wait unanswered (a hung
     * server, or one swapped out); {@link #kill()} can follow to make it a crash with commands in flight.
     */
    void pause() {
        PrivateServers.signal(pid(), "STOP");
    }

    /** Lets a server frozen by {@link #pause()} run again. */
    void resume() {
        PrivateServers.signal(pid(), "CONT");
    }

    /** {@code SHUTDOWN NOSAVE}: an orderly stop (the AOF is flushed and fsynced), but no RDB snapshot. */
    synchronized void shutdownNoSave() {
        Process current = this.process;
        try {
            commands().shutdown(false);
        }
        catch (RuntimeException ex) {
            // the connection drops as the server exits: that is the answer
        }
        awaitExit(current);
        dropConnection();
    }

    /** Starts the server again, on the same port and directory, and waits until it has loaded its AOF. */
    synchronized void restart() {
        if (isRunning()) {
            throw new IllegalStateException("Redis on port " + this.port + " is still running");
        }
        launch();
    }

    /** Runs commands on a connection of the test's own (reconnected after a restart). */
    synchronized <T> T call(Function<RedisCommands<String, String>, T> commands) {
        return commands.apply(commands());
    }

    /** One section of {@code INFO} as a map. */
    Map<String, String> info(String section) {
        String text = call((redis) -> redis.info(section));
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    long usedMemory() {
        return Long.parseLong(info("memory").get("used_memory"));
    }

    /** {@code CONFIG SET maxmemory}; 0 removes the limit. */
    void setMaxmemory(long bytes) {
        call((redis) -> redis.configSet("maxmemory", Long.toString(bytes)));
    }

    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        if (this.connection != null) {
            this.connection.closeAsync();
        }
        this.client.shutdownAsync(0, 2, TimeUnit.SECONDS);
        Process current = this.process;
        if (current != null && current.isAlive()) {
            current.destroyForcibly();
            awaitExit(current);
        }
        PrivateServers.deleteTree(this.directory);
    }

    @Override
    public String toString() {
        return "private redis-server 127.0.0.1:" + this.port + " in " + this.directory;
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(redisServer(), shippedConfiguration().toString(), "--port",
                Integer.toString(this.port), "--bind", "127.0.0.1", "--dir", this.directory.toString(), "--logfile",
                this.directory.resolve("redis.log").toString(), "--pidfile",
                this.directory.resolve("redis.pid").toString(), "--daemonize", "no"));
        if (this.maxmemoryBytes != null) {
            command.addAll(List.of("--maxmemory", Long.toString(this.maxmemoryBytes)));
        }
        try {
            this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("stdout.log").toFile()))
                .start();
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not start " + command.get(0) + " (" + ex.getMessage() + "): the "
                    + "fault-injection suite needs redis-server 7 (Debian/Ubuntu: apt-get install redis-server), or "
                    + "FCFS_REDIS_SERVER naming one; FCFS_SKIP_FAULT_TESTS=true skips the suite", ex);
        }
        try {
            Awaitility.await("private Redis on port " + this.port + " ready")
                .atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> {
                    if (!this.process.isAlive()) {
                        throw new IllegalStateException("redis-server exited with " + this.process.exitValue());
                    }
                    // PING answers LOADING while the AOF is read back: only PONG means the data is all there
                    try (StatefulRedisConnection<String, String> probe = this.client.connect()) {
                        return "PONG".equals(probe.sync().ping())
                                && probe.sync().info("persistence").contains("loading:0");
                    }
                });
        }
        catch (RuntimeException ex) {
            throw new IllegalStateException(this + " did not become ready:\n"
                    + PrivateServers.tail(this.directory.resolve("redis.log"), 30)
                    + PrivateServers.tail(this.directory.resolve("stdout.log"), 10), ex);
        }
    }

    private void checkSettings() {
        Map<String, String> actual = new LinkedHashMap<>();
        REQUIRED_SETTINGS.keySet()
            .forEach((name) -> actual.put(name, call((redis) -> redis.configGet(name)).get(name)));
        if (!REQUIRED_SETTINGS.equals(actual)) {
            throw new IllegalStateException(shippedConfiguration() + " must set " + REQUIRED_SETTINGS
                    + " (the fault-injection scenarios prove those settings), but the server runs with " + actual);
        }
    }

    private StatefulRedisConnection<String, String> connection() {
        if (this.connection == null || !this.connection.isOpen()) {
            this.connection = this.client.connect();
        }
        return this.connection;
    }

    private void dropConnection() {
        if (this.connection != null) {
            this.connection.closeAsync();
            this.connection = null;
        }
    }

    private RedisCommands<String, String> commands() {
        return connection().sync();
    }

    private void awaitExit(Process current) {
        try {
            if (!current.waitFor(30, TimeUnit.SECONDS)) {
                current.destroyForcibly();
                current.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    static Path shippedConfiguration() {
        Path configuration = ServiceProcess.projectRoot().resolve("deploy/redis/redis.conf");
        if (!Files.isRegularFile(configuration)) {
            throw new IllegalStateException("Shipped Redis configuration " + configuration + " is missing");
        }
        return configuration;
    }

    private static String redisServer() {
        String configured = System.getenv("FCFS_REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : "redis-server";
    }

    /** Crashes the servers of test JVMs that died without cleaning up, and removes their directories. */
    private static void reapOrphans() {
        PrivateServers.reapOrphanedServices();
        for (Path orphan : PrivateServers.orphanedDirectories("redis")) {
            try {
                long pid = Long.parseLong(Files.readString(orphan.resolve("redis.pid")).trim());
                ProcessHandle.of(pid)
                    .filter((handle) -> handle.info().command().map((c) -> c.contains("redis")).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
            }
            catch (IOException | NumberFormatException ex) {
                // never started, or already gone
            }
            PrivateServers.deleteTree(orphan);
        }
    }

}
