package dev.fcfs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
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
 * A PostgreSQL cluster of the test's own: {@code initdb} into a new directory, {@code pg_ctl} on a free loopback
 * port with its socket in that directory, trust authentication, {@code fsync} on, and {@code pg_stat_statements}
 * loaded so that tests can read what each database role executed. It can be stopped ({@link #stop(String)},
 * {@code immediate} is a crash) and started again on the same port and data ({@link #start()}).
 *
 * <p>PostgreSQL refuses to run as root: as root, every command runs as the {@code postgres} user through
 * {@code runuser}, in a directory owned by it. Never the shared PostgreSQL on 5432.
 */
final class PrivatePostgres implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    /** The database the services use; the cluster is private, so the default one is as good as any. */
    private static final String DATABASE = "postgres";

    private static final String SUPERUSER = "postgres";

    private static final String NO_POSTGRES = "No PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin: "
            + "the fault-injection suite needs initdb and pg_ctl (Debian/Ubuntu: apt-get install postgresql), or "
            + "FCFS_POSTGRES_BIN naming their directory; FCFS_SKIP_FAULT_TESTS=true skips the suite";

    private final Path directory;

    private final Path bin;

    private final int port;

    private final List<String> asOwner;

    private volatile boolean running;

    private boolean closed;

    private PrivatePostgres(Path directory, Path bin, int port, List<String> asOwner) {
        this.directory = directory;
        this.bin = bin;
        this.port = port;
        this.asOwner = asOwner;
    }

    /** Creates and starts a new cluster, with {@code pg_stat_statements} installed in its database. */
    static PrivatePostgres create() {
        reapOrphans();
        Path directory = PrivateServers.newDirectory("postgres");
        List<String> asOwner = List.of();
        if (PrivateServers.runningAsRoot()) {
            chownTree(directory, "postgres");
            asOwner = List.of(runuser(), "-u", "postgres", "--");
        }
        PrivatePostgres postgres = new PrivatePostgres(directory, binDirectory(), PrivateServers.freePort(), asOwner);
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "stop-private-postgres-" + postgres.port));
        try {
            postgres.pg("initdb", "-D", postgres.dataDirectory().toString(), "-U", SUPERUSER, "-A", "trust", "-E",
                    "UTF8", "--no-locale", "--no-sync");
            postgres.start();
            postgres.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            return postgres;
        }
        catch (RuntimeException ex) {
            postgres.close();
            throw ex;
        }
    }

    /** Starts the cluster (again) and waits until it accepts connections. */
    synchronized void start() {
        Path sockets = this.directory.resolve("sockets");
        try {
            Files.createDirectories(sockets);
            if (!this.asOwner.isEmpty()) {
                chownTree(sockets, "postgres");
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        String options = String.join(" ", "-c listen_addresses=127.0.0.1", "-p " + this.port, "-k " + sockets,
                "-c shared_preload_libraries=pg_stat_statements", "-c pg_stat_statements.track=top", "-c fsync=on",
                "-c max_connections=200");
        pg("pg_ctl", "-D", dataDirectory().toString(), "-l", this.directory.resolve("postgres.log").toString(), "-w",
                "-t", "60", "-o", options, "start");
        this.running = true;
    }

    /**
     * Stops the cluster with {@code pg_ctl stop -m <mode>}: {@code immediate} ends every process at once, like a
     * crash (recovery replays the WAL on the next start); {@code fast} rolls back open transactions and checkpoints.
     */
    synchronized void stop(String mode) {
        pg("pg_ctl", "-D", dataDirectory().toString(), "-m", mode, "-w", "-t", "60", "stop");
        this.running = false;
    }

    boolean isRunning() {
        return this.running;
    }

    int port() {
        return this.port;
    }

    String jdbcUrl() {
        return jdbcUrl(this.port);
    }

    /** The JDBC URL of this cluster's database as seen through another port (a proxy in front of it). */
    String jdbcUrl(int viaPort) {
        return "jdbc:postgresql://127.0.0.1:" + viaPort + "/" + DATABASE;
    }

    String username() {
        return SUPERUSER;
    }

    String password() {
        return "";
    }

    /** Runs one statement as the superuser. */
    void execute(String sql) {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Private PostgreSQL refused: " + sql, ex);
        }
    }

    /** Runs a query as the superuser and returns its rows, each as column label to value. */
    List<Map<String, Object>> query(String sql, Object... parameters) {
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
            throw new IllegalStateException("Private PostgreSQL refused: " + sql, ex);
        }
    }

    /** One number from a query that returns one row with one numeric column. */
    long queryLong(String sql, Object... parameters) {
        Object value = query(sql, parameters).get(0).values().iterator().next();
        return (value == null) ? 0 : ((Number) value).longValue();
    }

    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        if (Files.exists(dataDirectory().resolve("postmaster.pid"))) {
            try {
                stop("immediate");
            }
            catch (RuntimeException ex) {
                System.err.println("Could not stop " + this + ": " + ex.getMessage());
            }
        }
        PrivateServers.deleteTree(this.directory);
    }

    @Override
    public String toString() {
        return "private PostgreSQL 127.0.0.1:" + this.port + " in " + this.directory;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), SUPERUSER, "");
    }

    private Path dataDirectory() {
        return this.directory.resolve("data");
    }

    private void pg(String program, String... arguments) {
        List<String> command = new ArrayList<>(this.asOwner);
        command.add(this.bin.resolve(program).toString());
        command.addAll(List.of(arguments));
        PrivateServers.run(command, this.directory.resolve("commands.log"), COMMAND_TIMEOUT);
    }

    /** {@code FCFS_POSTGRES_BIN}, else the newest {@code /usr/lib/postgresql/<version>/bin}. */
    private static Path binDirectory() {
        String configured = System.getenv("FCFS_POSTGRES_BIN");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path installed = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(installed)) {
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

    private static void chownTree(Path directory, String user) {
        try (Stream<Path> paths = Files.walk(directory)) {
            UserPrincipalLookupService lookup = directory.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal owner = lookup.lookupPrincipalByName(user);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(user);
            for (Path path : paths.toList()) {
                PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
                view.setOwner(owner);
                view.setGroup(group);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not give " + directory + " to " + user, ex);
        }
    }

    /** Stops the clusters of test JVMs that died without cleaning up, and removes their directories. */
    private static void reapOrphans() {
        for (Path orphan : PrivateServers.orphanedDirectories("postgres")) {
            Path data = orphan.resolve("data");
            if (Files.exists(data.resolve("postmaster.pid"))) {
                List<String> command = new ArrayList<>();
                if (PrivateServers.runningAsRoot()) {
                    command.addAll(List.of(runuser(), "-u", "postgres", "--"));
                }
                command.addAll(List.of(binDirectory().resolve("pg_ctl").toString(), "-D", data.toString(), "-m",
                        "immediate", "-w", "stop"));
                try {
                    PrivateServers.run(command, orphan.resolve("commands.log"), Duration.ofSeconds(60));
                }
                catch (RuntimeException ex) {
                    // not running any more
                }
            }
            PrivateServers.deleteTree(orphan);
        }
    }

}
