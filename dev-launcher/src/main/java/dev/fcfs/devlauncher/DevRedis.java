package dev.fcfs.devlauncher;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server (6.2, the binary bundled by {@code com.github.codemonstur:embedded-redis}) on 127.0.0.1,
 * for the try-out only: no persistence at all (no AOF, no RDB snapshots), {@code maxmemory-policy noeviction} as
 * the queue requires, and every file it could write kept in the launcher's own temporary directory.
 * <p>
 * The library supplies the binary; the process is started here rather than by its {@code RedisServer}, whose
 * own shutdown hook would stop Redis while the consumer is still finishing its batch.
 */
final class DevRedis implements AutoCloseable {

    private static final String READY = "Ready to accept connections";

    private final int port;

    private final Process process;

    private DevRedis(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    /**
     * Starts redis-server and waits until it accepts connections.
     * @param port the TCP port, on 127.0.0.1
     * @param workDir an empty directory for the binary and the server's working directory; the caller removes it
     * @param output receives every line the server prints, after the ready line too
     * @return the running server
     * @throws IOException if the binary cannot be extracted or the server does not become ready in 20 s
     */
    static DevRedis start(int port, Path workDir, LinePrinter output) throws IOException {
        File binary = ExecutableProvider.newJarResourceProvider(workDir.toFile()).get();
        List<String> command = new ArrayList<>();
        // Its own session, as pg_ctl does for PostgreSQL: the terminal's Ctrl-C reaches the launcher and the
        // services, not the servers, which the launcher stops last (see DevLauncher). Without setsid (macOS),
        // Redis stops at once on Ctrl-C; the consumer then logs that it could not release its shards.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.addAll(List.of(binary.getAbsolutePath(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", workDir.toAbsolutePath().toString(), "--save", "", "--appendonly", "no",
                "--maxmemory-policy", "noeviction", "--daemonize", "no"));
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        DevRedis redis = new DevRedis(port, process);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.println(line);
                    if (line.contains(READY)) {
                        ready.complete(null);
                    }
                }
            }
            catch (IOException ex) {
                // The stream closes when the process ends.
            }
            ready.completeExceptionally(new IOException("redis-server stopped (its output is above)"));
        }, "redis-output");
        pump.setDaemon(true);
        pump.start();
        try {
            ready.get(20, TimeUnit.SECONDS);
            return redis;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            redis.close();
            throw new IOException("Interrupted while starting redis-server", ex);
        }
        catch (ExecutionException | TimeoutException ex) {
            redis.close();
            throw new IOException("redis-server did not start on port " + port, ex);
        }
    }

    int port() {
        return this.port;
    }

    long pid() {
        return this.process.pid();
    }

    @Override
    public String toString() {
        return "redis-server on port " + this.port;
    }

    /** Stops the server with SIGTERM (nothing to save: persistence is off), forcibly after 10 s. */
    @Override
    public void close() {
        Processes.stop(this.process, 10);
    }

}
