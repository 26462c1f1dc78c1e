package dev.fcfs.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.redis.testcontainers.RedisContainer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * A Redis server of the test's own, started with the arguments the test needs ({@code --maxmemory 2mb},
 * {@code --maxmemory-policy allkeys-lru}, {@code --rename-command CONFIG ""}, ...): settings that the shared Redis of
 * {@link TestServers} must never see. Where Docker runs it is a container of {@link TestServers#REDIS_IMAGE};
 * otherwise a {@code redis-server} process (the binary named by {@code FCFS_REDIS_SERVER}, else the first on the
 * {@code PATH}) on a free loopback port, without persistence, in a temporary directory of its own. {@link #close()}
 * stops it and removes everything it wrote.
 */
public final class PrivateRedis implements AutoCloseable {

    private static final List<String> BASE_ARGS = List.of("--save", "", "--appendonly", "no");

    private final Process process;

    private final RedisContainer container;

    private final Path directory;

    private final String host;

    private final int port;

    private RedisClient client;

    private StatefulRedisConnection<String, String> connection;

    private PrivateRedis(Process process, RedisContainer container, Path directory, String host, int port) {
        this.process = process;
        this.container = container;
        this.directory = directory;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts a server with the given {@code redis-server} arguments (after {@code --save "" --appendonly no}, so a
     * test may override them) and waits until it answers {@code PING}.
     */
    public static PrivateRedis start(String... args) {
        List<String> serverArgs = new ArrayList<>(BASE_ARGS);
        serverArgs.addAll(Arrays.asList(args));
        if (TestServers.useContainers()) {
            List<String> command = new ArrayList<>(List.of("redis-server"));
            command.addAll(serverArgs);
            RedisContainer container = new RedisContainer(TestServers.REDIS_IMAGE)
                .withCommand(command.toArray(String[]::new));
            container.start();
            return new PrivateRedis(null, container, null, container.getRedisHost(), container.getRedisPort());
        }
        IllegalStateException failure = null;
        // the free port can be taken by someone else between probing and binding: try a few
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startProcess(serverArgs);
            }
            catch (IllegalStateException ex) {
                failure = ex;
            }
        }
        throw failure;
    }

    public String host() {
        return this.host;
    }

    public int port() {
        return this.port;
    }

    /**
     * Connection details that point a Spring Boot application's Redis client at this server: declare them as a
     * {@code @Primary} bean in the test's configuration.
     */
    public DataRedisConnectionDetails connectionDetails() {
        String serverHost = this.host;
        int serverPort = this.port;
        return new DataRedisConnectionDetails() {

            @Override
            public Standalone getStandalone() {
                return Standalone.of(serverHost, serverPort);
            }

        };
    }

    /** Commands on one connection of the test's own to this server (opened on first use, closed with the server). */
    public synchronized RedisCommands<String, String> commands() {
        if (this.connection == null) {
            this.client = RedisClient.create(RedisURI.create(this.host, this.port));
            this.connection = this.client.connect();
        }
        return this.connection.sync();
    }

    /** {@code used_memory} from {@code INFO memory}, in bytes. */
    public long usedMemory() {
        for (String line : commands().info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory");
    }

    @Override
    public synchronized void close() {
        if (this.connection != null) {
            this.connection.close();
            this.client.shutdown();
        }
        if (this.container != null) {
            this.container.stop();
            return;
        }
        this.process.destroy();
        try {
            if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
                this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.process.destroyForcibly();
        }
        deleteDirectory(this.directory);
    }

    @Override
    public String toString() {
        return "private Redis " + this.host + ":" + this.port;
    }

    private static PrivateRedis startProcess(List<String> serverArgs) {
        String binary = redisServerBinary();
        int port = freePort();
        Path directory;
        try {
            directory = Files.createTempDirectory("fcfs-private-redis-");
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        List<String> command = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--dir", directory.toString(), "--daemonize", "no"));
        command.addAll(serverArgs);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("redis.log").toFile())
                .start();
        }
        catch (IOException ex) {
            deleteDirectory(directory);
            throw new UncheckedIOException("Cannot run " + binary, ex);
        }
        // a test JVM that is killed must not leave servers behind
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-private-redis-" + port));
        PrivateRedis redis = new PrivateRedis(process, null, directory, "127.0.0.1", port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = readLog(directory);
                redis.close();
                throw new IllegalStateException("redis-server exited at start-up (" + command + "):\n" + log);
            }
            if (answersPing(port)) {
                return redis;
            }
            sleep(20);
        }
        redis.close();
        throw new IllegalStateException("redis-server did not answer PING within 10 s: " + command);
    }

    private static String redisServerBinary() {
        String configured = System.getenv("FCFS_REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String path = System.getenv("PATH");
        List<String> directories = new ArrayList<>((path != null) ? Arrays.asList(path.split(File.pathSeparator))
                : List.of());
        directories.addAll(List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"));
        for (String directory : directories) {
            File candidate = new File(directory, "redis-server");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        throw new IllegalStateException("This test starts a Redis of its own and needs redis-server: install it "
                + "(Debian: apt-get install redis-server), put it on the PATH or name it in FCFS_REDIS_SERVER, "
                + "or run where Docker is available");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static boolean answersPing(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, reply.length);
            return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static String readLog(Path directory) {
        try {
            return Files.readString(directory.resolve("redis.log"));
        }
        catch (IOException ex) {
            return "(no log: " + ex + ")";
        }
    }

    private static void deleteDirectory(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
        }
        catch (IOException ex) {
            // a temporary directory left behind is harmless
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting redis-server", ex);
        }
    }

}
