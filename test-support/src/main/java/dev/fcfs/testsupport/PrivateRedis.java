package dev.fcfs.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.redis.testcontainers.RedisContainer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * A Redis server of the test's own, for what the shared Redis of {@link TestServers} must never see: settings such
 * as {@code --maxmemory 2mb} or {@code --rename-command CONFIG ""}, a crash ({@link #kill()}, SIGKILL), a freeze
 * ({@link #freeze()}, SIGSTOP, until {@link #thaw()}), a restart on the same port and data ({@link #restart()}).
 *
 * <p>A {@code redis-server} process (the binary named by {@code FCFS_REDIS_SERVER}, else the first on the
 * {@code PATH}) on 127.0.0.1, in a directory of its own that {@link #close()} removes, without persistence unless a
 * configuration file or arguments ask for it. {@link #start(String...)} gives a container of
 * {@link TestServers#REDIS_IMAGE} instead where Docker runs, for tests that only need the settings. One node of a
 * {@link PrivateRedisCluster} is one of these too.
 */
public final class PrivateRedis implements AutoCloseable {

    private static final List<String> NO_PERSISTENCE = List.of("--save", "", "--appendonly", "no");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final List<String> command;

    private final RedisContainer container;

    private final Path directory;

    private final boolean ownDirectory;

    private final String host;

    private final int port;

    private final String password;

    private final Consumer<String> output;

    private final Thread shutdownHook;

    private volatile Process process;

    private Thread outputPump;

    private RedisClient client;

    private StatefulRedisConnection<String, String> connection;

    private boolean closed;

    private PrivateRedis(List<String> command, RedisContainer container, Path directory, boolean ownDirectory,
            String host, int port, String password, Consumer<String> output, boolean shutdownHook) {
        this.command = command;
        this.container = container;
        this.directory = directory;
        this.ownDirectory = ownDirectory;
        this.host = host;
        this.port = port;
        this.password = password;
        this.output = output;
        // a test JVM that ends without close() must not leave a server behind
        this.shutdownHook = shutdownHook ? Processes.onExit("stop-private-redis-" + port, this::close) : null;
    }

    /**
     * Starts a server with the given {@code redis-server} arguments (after {@code --save "" --appendonly no}, so that
     * they may override them) and waits until it answers: a container where Docker runs, else a process.
     */
    public static PrivateRedis start(String... args) {
        if (TestServers.useContainers()) {
            List<String> command = new ArrayList<>(List.of("redis-server"));
            command.addAll(NO_PERSISTENCE);
            command.addAll(Arrays.asList(args));
            RedisContainer container = new RedisContainer(TestServers.REDIS_IMAGE)
                .withCommand(command.toArray(String[]::new));
            container.start();
            return new PrivateRedis(command, container, null, false, container.getRedisHost(),
                    container.getRedisPort(), null, null, false);
        }
        return builder().args(args).start();
    }

    /** A {@code redis-server} process with the settings of the builder: never a container. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether a {@code redis-server} binary can be found ({@code FCFS_REDIS_SERVER}, the {@code PATH}). */
    public static boolean binaryAvailable() {
        return configuredBinary() != null || Processes.binary("redis-server").isPresent();
    }

    public String host() {
        return this.host;
    }

    public int port() {
        return this.port;
    }

    /** The server's working directory ({@code --dir}): its data, and its log unless its output goes elsewhere. */
    public Path directory() {
        return this.directory;
    }

    public long pid() {
        return process().pid();
    }

    public boolean isRunning() {
        Process current = this.process;
        return (current != null && current.isAlive()) || (this.container != null && this.container.isRunning());
    }

    /**
     * Connection details that point a Spring Boot application's Redis client at this server: declare them as a
     * {@code @Primary} bean in the test's configuration.
     */
    public DataRedisConnectionDetails connectionDetails() {
        String serverHost = this.host;
        int serverPort = this.port;
        String serverPassword = this.password;
        return new DataRedisConnectionDetails() {

            @Override
            public String getPassword() {
                return serverPassword;
            }

            @Override
            public Standalone getStandalone() {
                return Standalone.of(serverHost, serverPort);
            }

        };
    }

    /**
     * Commands on a connection of the test's own, opened on first use and opened again after a crash or restart
     * (a command sent while the server is down fails at once instead of waiting for a reconnect).
     */
    public synchronized RedisCommands<String, String> commands() {
        if (this.client == null) {
            RedisURI.Builder uri = RedisURI.builder().withHost(this.host).withPort(this.port)
                .withTimeout(Duration.ofSeconds(5));
            if (this.password != null) {
                uri.withPassword(this.password.toCharArray());
            }
            this.client = RedisClient.create(uri.build());
            this.client.setOptions(ClientOptions.builder().autoReconnect(false).build());
        }
        if (this.connection == null || !this.connection.isOpen()) {
            this.connection = this.client.connect();
        }
        return this.connection.sync();
    }

    /** One section of {@code INFO} as a map. */
    public Map<String, String> info(String section) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : commands().info(section).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    /** {@code used_memory} from {@code INFO memory}, in bytes. */
    public long usedMemory() {
        return Long.parseLong(info("memory").get("used_memory"));
    }

    /** {@code CONFIG SET maxmemory}; 0 removes the limit. */
    public void setMaxmemory(long bytes) {
        commands().configSet("maxmemory", Long.toString(bytes));
    }

    /** Crashes the server with SIGKILL: no shutdown, no final write. Only what was fsynced survives. */
    public synchronized void kill() {
        Processes.kill(process());
        dropConnection();
    }

    /**
     * Freezes the server with SIGSTOP: connections stay open, commands sent meanwhile wait unanswered (a hung or
     * swapped-out server); {@link #kill()} may follow, to crash it with commands in flight.
     */
    public void freeze() {
        Processes.freeze(pid());
    }

    /** Lets a server frozen by {@link #freeze()} run again (SIGCONT). */
    public void thaw() {
        Processes.signal(pid(), "CONT");
    }

    /** Starts the server again, on the same port and directory, and waits until it has loaded its data. */
    public synchronized void restart() {
        if (isRunning()) {
            throw new IllegalStateException(this + " is still running");
        }
        launch();
    }

    /**
     * Stops the server (SIGTERM, SIGKILL after 10 s) and removes its directory if it made it (one given to the
     * builder stays, with whatever the server wrote there). Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        if (this.connection != null && this.connection.isOpen()) {
            this.connection.closeAsync();
        }
        if (this.client != null) {
            this.client.shutdownAsync(0, 2, TimeUnit.SECONDS);
        }
        if (this.container != null) {
            this.container.stop();
            return;
        }
        if (this.shutdownHook != null) {
            Processes.forget(this.shutdownHook);
        }
        Process current = this.process;
        if (current != null) {
            if (current.isAlive()) {
                // a frozen server would only see SIGTERM once continued; one that is not ignores SIGCONT
                thaw();
            }
            Processes.stop(current, Duration.ofSeconds(10));
            Processes.drain(this.outputPump);
        }
        if (this.ownDirectory) {
            Processes.deleteTree(this.directory);
        }
    }

    @Override
    public String toString() {
        return "private Redis " + this.host + ":" + this.port
                + ((this.directory != null) ? " in " + this.directory : " (container)");
    }

    private Process process() {
        if (this.container != null) {
            throw new IllegalStateException(this + " is a container: use PrivateRedis.builder() for a process");
        }
        return this.process;
    }

    private void launch() {
        ProcessBuilder builder = new ProcessBuilder(this.command).directory(this.directory.toFile())
            .redirectErrorStream(true);
        if (this.output == null) {
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("redis.log").toFile()));
        }
        try {
            this.process = builder.start();
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not run " + this.command.get(0) + " (" + ex.getMessage() + "): "
                    + "install redis-server 7 (Debian: apt-get install redis-server), put it on the PATH or name "
                    + "it in FCFS_REDIS_SERVER", ex);
        }
        if (this.output != null) {
            this.outputPump = Processes.pumpLines(this.process, this.output, "redis-output-" + this.port);
        }
        if (this.ownDirectory) {
            try {
                Files.writeString(this.directory.resolve("server.pid"), Long.toString(this.process.pid()));
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answersReady()) {
            if (!this.process.isAlive() || System.nanoTime() - deadline > 0) {
                String why = this.process.isAlive() ? "did not become ready within " + START_TIMEOUT.toSeconds() + " s"
                        : "exited with status " + this.process.exitValue();
                Processes.stop(this.process, Duration.ofSeconds(5));
                String log = (this.output != null) ? ""
                        : "\n" + Processes.tail(this.directory.resolve("redis.log"), 30);
                throw new IllegalStateException("redis-server " + why + ": " + this.command + log);
            }
            Processes.pause(Duration.ofMillis(20));
        }
    }

    /**
     * {@code PING} on a raw socket (after {@code AUTH} where there is a password). While the server reads its data
     * back it refuses PING with {@code LOADING}: only {@code PONG} means all of it is there.
     */
    private boolean answersReady() {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            String auth = (this.password != null) ? "AUTH " + this.password + "\r\n" : "";
            out.write((auth + "PING\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            int replies = (this.password != null) ? 2 : 1;
            StringBuilder reply = new StringBuilder();
            for (int c = in.read(); c != -1; c = in.read()) {
                reply.append((char) c);
                if (c == '\n' && --replies == 0) {
                    break;
                }
            }
            return reply.toString().endsWith("+PONG\r\n");
        }
        catch (IOException ex) {
            return false;
        }
    }

    private synchronized void dropConnection() {
        if (this.connection != null) {
            this.connection.closeAsync();
            this.connection = null;
        }
    }

    private static String configuredBinary() {
        String configured = System.getenv("FCFS_REDIS_SERVER");
        return (configured != null && !configured.isBlank()) ? configured : null;
    }

    /** Ends the server of a directory whose test JVM died. */
    private static void stopOrphan(Path directory) {
        Processes.signalRecorded(directory.resolve("server.pid"), "redis", "KILL");
    }

    /** What a {@link PrivateRedis} process runs with. */
    public static final class Builder extends ProcessOptions<Builder> {

        private Path binary;

        private Path configFile;

        private Path directory;

        private String password;

        private Consumer<String> output;

        private final List<String> args = new ArrayList<>();

        private Builder() {
        }

        /** The {@code redis-server} to run; by default {@code FCFS_REDIS_SERVER}, else the first on the PATH. */
        public Builder binary(Path binary) {
            this.binary = binary;
            return this;
        }

        /**
         * A configuration file, read first (arguments override it); it then decides persistence, which is off
         * otherwise.
         */
        public Builder configFile(Path configFile) {
            this.configFile = configFile;
            return this;
        }

        /** A directory to work in, which stays after {@link #close()}; by default one of its own, removed then. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /** {@code requirepass}; the kit's own connections and {@link #connectionDetails()} use it. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public Builder maxmemory(String maxmemory) {
            return args("--maxmemory", maxmemory);
        }

        public Builder maxmemoryPolicy(String policy) {
            return args("--maxmemory-policy", policy);
        }

        /** The append-only file with the given {@code appendfsync} ({@code always}, {@code everysec}, {@code no}). */
        public Builder appendOnly(String fsync) {
            return args("--appendonly", "yes", "--appendfsync", fsync);
        }

        /** More {@code redis-server} arguments, after every other setting. */
        public Builder args(String... args) {
            this.args.addAll(Arrays.asList(args));
            return this;
        }

        /** Where the server's output lines go; by default {@code redis.log} in its directory. */
        public Builder output(Consumer<String> output) {
            this.output = output;
            return this;
        }

        /** Starts the server and waits until it answers {@code PING} with its data loaded. */
        public PrivateRedis start() {
            IllegalStateException failure = null;
            // a free port can be taken by someone else between probing and binding: try a few
            for (int attempt = 0; attempt < ((this.port == 0) ? 3 : 1); attempt++) {
                PrivateRedis redis = create();
                try {
                    redis.launch();
                    return redis;
                }
                catch (IllegalStateException ex) {
                    redis.close();
                    failure = ex;
                }
            }
            throw failure;
        }

        private PrivateRedis create() {
            boolean own = this.directory == null;
            Path dir = own ? Processes.newDirectory("redis", PrivateRedis::stopOrphan) : this.directory;
            int serverPort = (this.port != 0) ? this.port : Processes.freePort();
            String server = (this.binary != null) ? this.binary.toString()
                    : (configuredBinary() != null) ? configuredBinary()
                            : Processes.binary("redis-server").orElse("redis-server");
            List<String> command = new ArrayList<>(Processes.ownSession());
            command.add(server);
            if (this.configFile != null) {
                command.add(this.configFile.toAbsolutePath().toString());
            }
            command.addAll(List.of("--port", Integer.toString(serverPort), "--bind", "127.0.0.1", "--dir",
                    dir.toAbsolutePath().toString(), "--daemonize", "no"));
            if (this.configFile == null) {
                command.addAll(NO_PERSISTENCE);
            }
            if (this.password != null) {
                command.addAll(List.of("--requirepass", this.password));
            }
            command.addAll(this.args);
            return new PrivateRedis(List.copyOf(command), null, dir, own, "127.0.0.1", serverPort, this.password,
                    this.output, this.shutdownHook);
        }

    }

}
