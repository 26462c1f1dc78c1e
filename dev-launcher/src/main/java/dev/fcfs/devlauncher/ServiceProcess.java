package dev.fcfs.devlauncher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One service jar running as a child JVM: same {@code java} as the launcher, configured through environment
 * variables only, its output copied to the console with a prefix.
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;

    private final int port;

    private final Process process;

    private ServiceProcess(String name, int port, Process process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts {@code java -jar jar} with the given environment added to the launcher's own.
     * @param name short name for the output prefix and messages
     * @param jar the executable jar
     * @param port the HTTP port, also passed as {@code SERVER_PORT}
     * @param environment variables such as {@code SPRING_DATASOURCE_URL}
     * @param output where the child's lines go
     * @return the started (not yet healthy) process
     * @throws IOException if the JVM cannot be started
     */
    static ServiceProcess start(String name, Path jar, int port, Map<String, String> environment,
            LinePrinter output) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String javaOpts = System.getenv("JAVA_OPTS");
        if (javaOpts != null && !javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("SERVER_PORT", String.valueOf(port));
        Process process = builder.start();
        Thread pump = new Thread(() -> copyLines(process, output), name + "-output");
        pump.setDaemon(true);
        pump.start();
        return new ServiceProcess(name, port, process);
    }

    private static void copyLines(Process process, LinePrinter output) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.println(line);
            }
        }
        catch (IOException ex) {
            // The stream closes when the process ends.
        }
    }

    String baseUrl() {
        return "http://localhost:" + this.port;
    }

    /**
     * Waits until every service answers {@code /actuator/health} with 200 and status UP.
     * @param services the services, started
     * @param timeout how long start-up may take
     * @throws IOException as soon as one of them exits, or when the timeout passes
     * @throws InterruptedException if interrupted
     */
    static void awaitHealthy(List<ServiceProcess> services, Duration timeout)
            throws IOException, InterruptedException {
        List<ServiceProcess> waiting = new ArrayList<>(services);
        Instant deadline = Instant.now().plus(timeout);
        while (!waiting.isEmpty()) {
            for (ServiceProcess service : List.copyOf(waiting)) {
                if (!service.process.isAlive()) {
                    throw new IOException(service.name + " exited with status " + service.process.exitValue()
                            + " during start-up (its output is above)");
                }
                if (service.isHealthy()) {
                    waiting.remove(service);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException(waiting.get(0).name + " was not healthy after " + timeout.toSeconds() + " s");
            }
            if (!waiting.isEmpty()) {
                Thread.sleep(500);
            }
        }
    }

    private boolean isHealthy() throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
            .timeout(Duration.ofSeconds(2))
            .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"UP\"");
        }
        catch (IOException ex) {
            // Not listening yet.
            return false;
        }
    }

    boolean isAlive() {
        return this.process.isAlive();
    }

    Process process() {
        return this.process;
    }

    @Override
    public String toString() {
        return this.name + "-service (pid " + this.process.pid() + ")";
    }

    /**
     * SIGTERM, which Spring Boot turns into a graceful shutdown (the producer finishes in-flight requests, the
     * consumer its batch and lease release); killed if still running after 30 s.
     */
    @Override
    public void close() {
        Processes.stop(this.process, 30);
        if (!this.process.isAlive()) {
            System.out.printf("%-9s| exited with status %d%n", this.name, this.process.exitValue());
        }
    }

}
