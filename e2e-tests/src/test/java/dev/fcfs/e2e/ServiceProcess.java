package dev.fcfs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One service jar running as a real operating-system process, on a port of its own, with its output in
 * {@code e2e-tests/target/e2e-logs/<name>.log}.
 *
 * <p>It runs on the JVM that runs the tests, so the Java 17 and Java 25 CI legs test the services on both.
 */
final class ServiceProcess {

    /** Exit status of a process ended by SIGKILL: 128 + 9. */
    static final int SIGKILL_EXIT_STATUS = 137;

    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(90);

    private static final HttpClient HEALTH_CLIENT = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();

    private final String name;

    private final Process process;

    private final int port;

    private final Path log;

    private volatile boolean paused;

    private ServiceProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code java -jar jar} with the given environment (on top of this JVM's, minus any inherited
     * {@code SPRING_*}/{@code RESERVATION_*}/{@code SERVER_*} variables) and {@code SERVER_PORT} set to a free port.
     * Does not wait for it: see {@link #awaitHealthy()}.
     */
    static ServiceProcess start(String name, Path jar, Map<String, String> environment) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Service jar " + jar + " does not exist");
        }
        int port = freePort();
        Path log = logDirectory().resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(jar.getParent().toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf((key) -> key.startsWith("SPRING_") || key.startsWith("RESERVATION_")
                || key.startsWith("SERVER_") || key.startsWith("MANAGEMENT_") || key.equals("JAVA_TOOL_OPTIONS"));
        // the start-up warm-up runs as in production, only bounded shorter: these tests judge behaviour, not speed
        env.put("RESERVATION_WARMUP_MAX_DURATION", "2s");
        env.putAll(environment);
        env.put("SERVER_PORT", Integer.toString(port));
        // Lets a later run find and end this process if the test JVM dies without its shutdown hooks (SIGKILL).
        env.put(PrivateServers.OWNER_VARIABLE, Long.toString(ProcessHandle.current().pid()));
        try {
            Process process = builder.start();
            ServiceProcess started = new ServiceProcess(name, process, port, log);
            // A test JVM that dies without running @AfterAll must not leave services writing into shared servers.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "kill-" + name));
            return started;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start " + name + ": " + command, ex);
        }
    }

    String name() {
        return this.name;
    }

    int port() {
        return this.port;
    }

    long pid() {
        return this.process.pid();
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + this.port);
    }

    boolean isAlive() {
        return this.process.isAlive();
    }

    /**
     * Waits until {@code GET /actuator/health} answers 200 with status UP.
     * @throws IllegalStateException with the end of the log if the process exits or the wait times out
     */
    ServiceProcess awaitHealthy() {
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/actuator/health"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
        AtomicReference<String> last = new AtomicReference<>("no answer yet");
        try {
            Awaitility.await(this.name + " healthy")
                .atMost(HEALTH_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!this.process.isAlive()) {
                        throw new IllegalStateException(this.name + " exited with status " + this.process.exitValue()
                                + " before it was healthy; end of " + this.log + ":\n" + tail(60));
                    }
                    try {
                        HttpResponse<String> response = HEALTH_CLIENT.send(request,
                                HttpResponse.BodyHandlers.ofString());
                        last.set(response.statusCode() + " " + response.body());
                        return response.statusCode() == 200
                                && response.body().replace(" ", "").contains("\"status\":\"UP\"");
                    }
                    catch (IOException ex) {
                        last.set(ex.toString());
                        return false;
                    }
                });
            return this;
        }
        catch (ConditionTimeoutException ex) {
            throw new IllegalStateException(this.name + " not healthy after " + HEALTH_TIMEOUT + " (last answer: "
                    + last.get() + "); end of " + this.log + ":\n" + tail(60), ex);
        }
    }

    /**
     * Ends the process with SIGKILL, as {@code kill -9} would: no shutdown hook, no graceful release of leases.
     * ({@link Process#destroyForcibly()} sends SIGKILL on Linux and macOS; the exit status proves it.)
     * @return the exit status, 137 when SIGKILL ended it
     */
    int kill() {
        this.process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(20));
    }

    /**
     * Freezes the process with SIGSTOP, as a long GC pause or a stalled VM would, and returns once the kernel shows
     * it stopped. Its sockets stay open; it runs no code until {@link #resume()}.
     */
    void pause() {
        PrivateServers.signal(pid(), "STOP");
        this.paused = true;
        Awaitility.await(this.name + " stopped")
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> PrivateServers.processState(pid()) == 'T' || PrivateServers.processState(pid()) == '?');
    }

    /** Lets a process frozen by {@link #pause()} run again (SIGCONT). */
    void resume() {
        PrivateServers.signal(pid(), "CONT");
        this.paused = false;
    }

    boolean isPaused() {
        return this.paused;
    }

    /** {@code GET path} on the process's port, e.g. {@code /actuator/prometheus}; fails unless it answers 200. */
    String get(String path) {
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve(path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
        try {
            HttpResponse<String> response = HEALTH_CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " on " + this + " answered " + response.statusCode());
            }
            return response.body();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("GET " + path + " on " + this, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted: GET " + path + " on " + this, ex);
        }
    }

    /** Asks the process to stop (SIGTERM), and kills it if it has not stopped within 20 seconds. */
    void stop() {
        if (!this.process.isAlive()) {
            return;
        }
        if (this.paused) {
            // a stopped process would only see SIGTERM once continued
            resume();
        }
        this.process.destroy();
        try {
            if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
                this.process.destroyForcibly();
                this.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.process.destroyForcibly();
        }
    }

    /** The last lines of this process's log, to put into failure messages. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(this.log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
        catch (IOException | UncheckedIOException ex) {
            return "(could not read " + this.log + ": " + ex + ")";
        }
    }

    @Override
    public String toString() {
        return this.name + "[pid " + this.process.pid() + ", port " + this.port + "]";
    }

    private int awaitExit(Duration timeout) {
        try {
            if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(this.name + " still alive " + timeout + " after being killed");
            }
            return this.process.exitValue();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + this.name + " to exit", ex);
        }
    }

    static Path projectRoot() {
        String configured = System.getProperty("fcfs.project.root");
        Path root = (configured != null && !configured.isBlank()) ? Path.of(configured)
                : Path.of("").toAbsolutePath();
        // Run from inside e2e-tests (e.g. from an IDE), the property may be missing or point at the module.
        if (!Files.isDirectory(root.resolve("producer-service")) && root.getParent() != null
                && Files.isDirectory(root.getParent().resolve("producer-service"))) {
            root = root.getParent();
        }
        return root.toAbsolutePath().normalize();
    }

    private static Path logDirectory() {
        Path directory = projectRoot().resolve("e2e-tests/target/e2e-logs");
        try {
            return Files.createDirectories(directory);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("No free port", ex);
        }
    }

}
