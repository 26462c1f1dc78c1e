package dev.fcfs.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of the test's own: {@code initdb} into a directory of its own, {@code pg_ctl} on a loopback
 * port with its socket in that directory, trust authentication. It can be stopped ({@link #stop(String)};
 * {@code immediate} is a crash) and started again on the same port and data ({@link #start()}).
 *
 * <p>PostgreSQL refuses to run as root: as root, every command runs as the {@code postgres} user through
 * {@code runuser}, in a directory owned by it ({@link #canRunHere()} says whether that user exists). Never the
 * shared PostgreSQL of {@link TestServers}.
 */
public final class PrivatePostgres implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    /** The database, superuser and (empty) password the services use by default. */
    public static final String DATABASE = "postgres";

    public static final String USER = "postgres";

    private static final String NO_POSTGRES = "No PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin: "
            + "install them (Debian/Ubuntu: apt-get install postgresql), or name their directory in FCFS_POSTGRES_BIN";

    private final Path directory;

    private final boolean ownDirectory;

    private final Path bin;

    private final int port;

    private final List<String> options;

    private final List<String> asOwner;

    private final Thread shutdownHook;

    private volatile boolean running;

    private boolean closed;

    private PrivatePostgres(Path directory, boolean ownDirectory, Path bin, int port, List<String> options,
            boolean shutdownHook) {
        this.directory = directory;
        this.ownDirectory = ownDirectory;
        this.bin = bin;
        this.port = port;
        this.options = options;
        this.asOwner = Processes.runningAsRoot() ? List.of(runuser(), "-u", USER, "--") : List.of();
        this.shutdownHook = shutdownHook ? Processes.onExit("stop-private-postgres-" + port, this::close) : null;
    }

    /** By default: the system's binaries, a free port, a directory of its own, {@code fsync} on. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether PostgreSQL can run here: not as root, or as root through a {@code postgres} user that exists. */
    public static boolean canRunHere() {
        return !Processes.runningAsRoot() || Processes.userExists(USER);
    }

    /** Starts the cluster (again) and waits until it accepts connections. */
    public synchronized void start() {
        pg("pg_ctl", "-D", dataDirectory().toString(), "-l", runDirectory().resolve("postgres.log").toString(), "-w",
                "-t", "60", "-o", String.join(" ", this.options), "start");
        this.running = true;
    }

    /**
     * Stops the cluster with {@code pg_ctl stop -m <mode>}: {@code immediate} ends every process at once, like a
     * crash (recovery replays the WAL on the next start); {@code fast} rolls back open transactions and checkpoints.
     */
    public synchronized void stop(String mode) {
        pg("pg_ctl", "-D", dataDirectory().toString(), "-m", mode, "-w", "-t", "60", "stop");
        this.running = false;
    }

    public boolean isRunning() {
        return this.running;
    }

    public int port() {
        return this.port;
    }

    /** Where it works: {@code data/} (the cluster), {@code run/} (socket, logs). */
    public Path directory() {
        return this.directory;
    }

    public String jdbcUrl() {
        return jdbcUrl(this.port);
    }

    /** The JDBC URL of this cluster's database as seen through another port (a proxy in front of it). */
    public String jdbcUrl(int viaPort) {
        return "jdbc:postgresql://127.0.0.1:" + viaPort + "/" + DATABASE;
    }

    public String username() {
        return USER;
    }

    public String password() {
        return "";
    }

    /** Runs one statement as the superuser. */
    public void execute(String sql) {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(this + " refused: " + sql, ex);
        }
    }

    /** Runs a query as the superuser and returns its rows, each as column label to value. */
    public List<Map<String, Object>> query(String sql, Object... parameters) {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int column = 1; column <= columns; column++) {
                        row.put(result.getMetaData().getColumnLabel(column), result.getObject(column));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
        catch (SQLException ex) {
            throw new IllegalStateException(this + " refused: " + sql, ex);
        }
    }

    /** One number from a query that returns one row with one numeric column. */
    public long queryLong(String sql, Object... parameters) {
        Object value = query(sql, parameters).get(0).values().iterator().next();
        return (value == null) ? 0 : ((Number) value).longValue();
    }

    /**
     * Stops the cluster ({@code fast}) and removes its files: the whole directory if it made it, else the
     * {@code data/} and {@code run/} it made in the directory given to the builder. Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        if (this.shutdownHook != null) {
            Processes.forget(this.shutdownHook);
        }
        if (Files.exists(dataDirectory().resolve("postmaster.pid"))) {
            try {
                stop("fast");
            }
            catch (RuntimeException ex) {
                System.err.println("Could not stop " + this + ": " + ex.getMessage());
            }
        }
        if (this.ownDirectory) {
            Processes.deleteTree(this.directory);
        }
        else {
            Processes.deleteTree(dataDirectory());
            Processes.deleteTree(runDirectory());
        }
    }

    @Override
    public String toString() {
        return "private PostgreSQL 127.0.0.1:" + this.port + " in " + this.directory;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, "");
    }

    private Path dataDirectory() {
        return this.directory.resolve("data");
    }

    private Path runDirectory() {
        return this.directory.resolve("run");
    }

    private void initdb() {
        try {
            Files.createDirectories(dataDirectory());
            Files.createDirectories(runDirectory());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        if (!this.asOwner.isEmpty()) {
            Processes.makeTraversable(this.directory);
            Processes.makeTraversable(this.bin);
            Processes.chownTree(dataDirectory(), USER);
            Processes.chownTree(runDirectory(), USER);
        }
        pg("initdb", "-D", dataDirectory().toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale",
                "--no-sync");
    }

    private void pg(String program, String... arguments) {
        List<String> command = new ArrayList<>(this.asOwner);
        command.add(this.bin.resolve(program).toString());
        command.addAll(List.of(arguments));
        Processes.run(command, runDirectory().resolve("commands.log"), COMMAND_TIMEOUT);
    }

    /** {@code FCFS_POSTGRES_BIN}, else the newest {@code /usr/lib/postgresql/<version>/bin}. */
    private static Path systemBinaries() {
        String configured = System.getenv("FCFS_POSTGRES_BIN");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter((version) -> Files.isExecutable(version.resolve("bin/initdb")))
                .max(Comparator.comparingInt((Path version) -> versionNumber(version.getFileName().toString())))
                .map((version) -> version.resolve("bin"))
                .orElseThrow(() -> new IllegalStateException(NO_POSTGRES));
        }
        catch (IOException ex) {
            throw new IllegalStateException(NO_POSTGRES, ex);
        }
    }

    private static int versionNumber(String name) {
        try {
            return Integer.parseInt(name);
        }
        catch (NumberFormatException ex) {
            return -1;
        }
    }

    private static String runuser() {
        for (String candidate : List.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "runuser";
    }

    /** Ends the cluster of a directory whose test JVM died: SIGQUIT is PostgreSQL's immediate shutdown. */
    private static void stopOrphan(Path directory) {
        Processes.signalRecorded(directory.resolve("data/postmaster.pid"), "postgres", "QUIT");
    }

    /** What a {@link PrivatePostgres} runs with. */
    public static final class Builder extends ProcessOptions<Builder> {

        private Path binaries;

        private Path directory;

        private boolean fsync = true;

        private boolean statementStatistics;

        private Builder() {
        }

        /**
         * The directory holding {@code initdb}, {@code pg_ctl} and {@code postgres}; by default
         * {@code FCFS_POSTGRES_BIN}, else the newest {@code /usr/lib/postgresql/<version>/bin}.
         */
        public Builder binaries(Path binaries) {
            this.binaries = binaries;
            return this;
        }

        /**
         * A directory to work in (its {@code data/} and {@code run/} are removed on close, the directory stays); by
         * default one of its own, removed on close.
         */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /** {@code fsync}: on by default, so that a crash loses nothing committed; off where that does not matter. */
        public Builder fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /** Loads and installs {@code pg_stat_statements}, to read what each database role executed. */
        public Builder statementStatistics() {
            this.statementStatistics = true;
            return this;
        }

        /** Runs {@code initdb}, starts the cluster and waits until it accepts connections. */
        public PrivatePostgres start() {
            Path bin = (this.binaries != null) ? this.binaries : systemBinaries();
            boolean own = this.directory == null;
            Path dir = own ? Processes.newDirectory("postgres", PrivatePostgres::stopOrphan) : this.directory;
            int serverPort = (this.port != 0) ? this.port : Processes.freePort();
            List<String> options = new ArrayList<>(List.of("-c listen_addresses=127.0.0.1", "-p " + serverPort,
                    "-k " + dir.toAbsolutePath().resolve("run"), "-c fsync=" + (this.fsync ? "on" : "off"),
                    "-c max_connections=200"));
            if (this.statementStatistics) {
                options.addAll(List.of("-c shared_preload_libraries=pg_stat_statements",
                        "-c pg_stat_statements.track=top"));
            }
            PrivatePostgres postgres = new PrivatePostgres(dir.toAbsolutePath(), own, bin, serverPort,
                    List.copyOf(options), this.shutdownHook);
            try {
                postgres.initdb();
                postgres.start();
                if (this.statementStatistics) {
                    postgres.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                }
                return postgres;
            }
            catch (RuntimeException ex) {
                postgres.close();
                throw ex;
            }
        }

    }

}
