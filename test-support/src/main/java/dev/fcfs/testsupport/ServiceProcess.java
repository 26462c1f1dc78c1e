package dev.fcfs.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One service jar running as a real operating-system process ({@code java -jar}, on the JVM that runs the caller):
 * started with the environment it needs, waited for until {@code /actuator/health} says UP, then stopped (SIGTERM),
 * killed (SIGKILL) or frozen (SIGSTOP) as the test needs.
 */
public final class ServiceProcess implements AutoCloseable {

    /** Exit status of a process ended by SIGKILL: 128 + 9. */
    public static final int SIGKILL_EXIT_STATUS = 137;

    /**
     * Set in the environment of every service process: the pid of the JVM that started it, so that a later run can
     * end the processes of a test JVM that died without its shutdown hooks ({@link #reapOrphans()}).
     */
    static final String OWNER_VARIABLE = "FCFS_TEST_OWNER_PID";

    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(90);

    private static final HttpClient HTTP = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();

    private final String name;

    private final Process process;

    private final int port;

    private final Path log;

    private final Thread outputPump;

    private final Thread shutdownHook;

    private volatile boolean frozen;

    private volatile String lastAnswer = "no answer yet";

    private ServiceProcess(String name, Process process, int port, Path log, Thread outputPump,
            boolean shutdownHook) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.outputPump = outputPump;
        this.shutdownHook = shutdownHook
                ? Processes.onExit("kill-" + name, () -> process.toHandle().destroyForcibly()) : null;
    }

    /** A process of {@code java -jar jar}, named {@code name} in messages. */
    public static Builder builder(String name, Path jar) {
        return new Builder(name, jar);
    }

    /**
     * Waits until every service answers {@code GET /actuator/health} with 200 and status UP.
     * @throws IllegalStateException as soon as one of them exits, or when the timeout passes
     */
    public static void awaitHealthy(Duration timeout, List<ServiceProcess> services) {
        List<ServiceProcess> waiting = new ArrayList<>(services);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!waiting.isEmpty()) {
            for (ServiceProcess service : List.copyOf(waiting)) {
                if (!service.process.isAlive()) {
                    throw new IllegalStateException(service.name + " exited with status "
                            + service.process.exitValue() + " during start-up"
                            + ((service.log == null) ? " (its output is above)" : service.details()));
                }
                if (service.isHealthy()) {
                    waiting.remove(service);
                }
            }
            if (!waiting.isEmpty()) {
                if (System.nanoTime() - deadline > 0) {
                    ServiceProcess late = waiting.get(0);
                    throw new IllegalStateException(
                            late.name + " was not healthy after " + timeout.toSeconds() + " s" + late.details());
                }
                Processes.pause(Duration.ofMillis(250));
            }
        }
    }

    /**
     * Ends the service processes whose test JVM is gone: they would otherwise go on trying to reach servers that no
     * longer exist. Found by {@value #OWNER_VARIABLE} in {@code /proc/<pid>/environ} (Linux; elsewhere, and for
     * processes of other users, nothing is found and nothing happens).
     */
    public static void reapOrphans() {
        ProcessHandle.allProcesses().forEach((process) -> {
            Path environ = Path.of("/proc", Long.toString(process.pid()), "environ");
            try {
                String environment = Files.readString(environ, StandardCharsets.ISO_8859_1);
                for (String variable : environment.split("\0")) {
                    if (variable.startsWith(OWNER_VARIABLE + "=")) {
                        long owner = Long.parseLong(variable.substring(OWNER_VARIABLE.length() + 1));
                        if (!ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                            process.destroyForcibly();
                        }
                    }
                }
            }
            catch (IOException | RuntimeException ex) {
                // gone, not readable, or not ours
            }
        });
    }

    public String name() {
        return this.name;
    }

    public int port() {
        return this.port;
    }

    public long pid() {
        return this.process.pid();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + this.port);
    }

    public boolean isAlive() {
        return this.process.isAlive();
    }

    /** Waits up to 90 s until {@code GET /actuator/health} answers 200 with status UP. */
    public ServiceProcess awaitHealthy() {
        awaitHealthy(HEALTH_TIMEOUT, List.of(this));
        return this;
    }

    /**
     * Ends the process with SIGKILL, as {@code kill -9} would: no shutdown hook, no graceful release of leases.
     * @return the exit status, {@value #SIGKILL_EXIT_STATUS} when SIGKILL ended it
     */
    public int kill() {
        int status = Processes.kill(this.process);
        this.frozen = false;
        return status;
    }

    /**
     * Freezes the process with SIGSTOP, as a long GC pause or a stalled VM would, and returns once the kernel shows
     * it stopped. Its sockets stay open; it runs no code until {@link #thaw()}.
     */
    public void freeze() {
        Processes.freeze(pid());
        this.frozen = true;
    }

    /** Lets a process frozen by {@link #freeze()} run again (SIGCONT). */
    public void thaw() {
        Processes.signal(pid(), "CONT");
        this.frozen = false;
    }

    public boolean isFrozen() {
        return this.frozen;
    }

    /** {@code GET path} on the process's port, e.g. {@code /actuator/prometheus}; fails unless it answers 200. */
    public String get(String path) {
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve(path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
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

    /**
     * Asks the process to stop (SIGTERM, which Spring Boot turns into a graceful shutdown), and kills it if it has
     * not stopped within {@code grace}.
     * @return its exit status, or -1 if it could not be seen
     */
    public int stop(Duration grace) {
        if (this.frozen) {
            // a stopped process would only see SIGTERM once continued
            thaw();
        }
        int status = Processes.stop(this.process, grace);
        Processes.drain(this.outputPump);
        if (this.shutdownHook != null) {
            Processes.forget(this.shutdownHook);
        }
        return status;
    }

    /** {@link #stop(Duration)} with 30 s of grace. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    /** The last lines of this process's log file (if it writes one), to put into failure messages. */
    public String tail(int lines) {
        return (this.log != null) ? Processes.tail(this.log, lines) : "(its output went to the console)";
    }

    @Override
    public String toString() {
        return this.name + "[pid " + this.process.pid() + ", port " + this.port + "]";
    }

    private boolean isHealthy() {
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/actuator/health"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            this.lastAnswer = response.statusCode() + " " + response.body();
            return response.statusCode() == 200 && response.body().replace(" ", "").contains("\"status\":\"UP\"");
        }
        catch (IOException ex) {
            this.lastAnswer = ex.toString();
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + this.name, ex);
        }
    }

    /** What a failure message adds: the last health answer and the end of the log, where there is a log file. */
    private String details() {
        return (this.log == null) ? ""
                : " (last answer: " + this.lastAnswer + "); end of " + this.log + ":\n" + tail(60);
    }

    /** How a {@link ServiceProcess} is started; its port is passed as {@code SERVER_PORT}. */
    public static final class Builder extends ProcessOptions<Builder> {

        private final String name;

        private final Path jar;

        private final Map<String, String> environment = new LinkedHashMap<>();

        private final List<String> jvmOptions = new ArrayList<>();

        private boolean isolated;

        private Path log;

        private Consumer<String> output;

        private Path workingDirectory;

        private Builder(String name, Path jar) {
            this.name = name;
            this.jar = jar;
        }

        /** Variables added to the environment (this JVM's, unless {@link #isolated()}). */
        public Builder environment(Map<String, String> environment) {
            this.environment.putAll(environment);
            return this;
        }

        /**
         * Leaves out the {@code SPRING_*}, {@code RESERVATION_*}, {@code SERVER_*}, {@code MANAGEMENT_*} and
         * {@code JAVA_TOOL_OPTIONS} variables of this JVM's environment: the process gets only the settings given.
         */
        public Builder isolated() {
            this.isolated = true;
            return this;
        }

        /** Options for the service's JVM, before {@code -jar}. */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions.addAll(options);
            return this;
        }

        /** Writes the process's output to a file; see {@link #output(Consumer)} for the other way. */
        public Builder log(Path log) {
            this.log = log;
            return this;
        }

        /** Passes the process's output lines on as they come; without this or a log, the output is this JVM's. */
        public Builder output(Consumer<String> output) {
            this.output = output;
            return this;
        }

        public Builder workingDirectory(Path directory) {
            this.workingDirectory = directory;
            return this;
        }

        /** Starts the process; does not wait for it (see {@link ServiceProcess#awaitHealthy()}). */
        public ServiceProcess start() {
            if (!Files.isRegularFile(this.jar)) {
                throw new IllegalStateException("Service jar " + this.jar + " does not exist");
            }
            int serverPort = (this.port != 0) ? this.port : Processes.freePort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(this.jvmOptions);
            command.addAll(List.of("-jar", this.jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (this.log != null) {
                builder.redirectOutput(this.log.toFile());
            }
            else if (this.output == null) {
                builder.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            }
            if (this.workingDirectory != null) {
                builder.directory(this.workingDirectory.toFile());
            }
            Map<String, String> env = builder.environment();
            if (this.isolated) {
                env.keySet().removeIf((key) -> key.startsWith("SPRING_") || key.startsWith("RESERVATION_")
                        || key.startsWith("SERVER_") || key.startsWith("MANAGEMENT_")
                        || key.equals("JAVA_TOOL_OPTIONS"));
            }
            env.putAll(this.environment);
            env.put("SERVER_PORT", Integer.toString(serverPort));
            env.put(OWNER_VARIABLE, Long.toString(ProcessHandle.current().pid()));
            try {
                Process process = builder.start();
                Thread pump = (this.log == null && this.output != null)
                        ? Processes.pumpLines(process, this.output, this.name + "-output") : null;
                return new ServiceProcess(this.name, process, serverPort, this.log, pump, this.shutdownHook);
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Could not start " + this.name + ": " + command, ex);
            }
        }

    }

}
