package dev.fcfs.devlauncher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.fcfs.testsupport.PrivatePostgres;
import dev.fcfs.testsupport.ServiceProcess;

/**
 * Development only: runs the producer and the consumer on a machine with nothing but a JDK. Starts an embedded
 * PostgreSQL and an embedded redis-server on free ports, then both service jars as child processes pointed at
 * them; prints the URLs once both are healthy; on Ctrl-C stops the services (gracefully), then the servers, and
 * deletes every file it created.
 * <p>
 * Nothing here is a dependency of the services: their jars only ever talk to the Redis and PostgreSQL they are
 * configured for. Run from the repository root after building:
 * <pre>./mvnw -B -q -DskipTests package &amp;&amp; java -jar dev-launcher/target/dev-launcher.jar</pre>
 * Preferred ports come from {@code FCFS_DEV_PRODUCER_PORT} (8080), {@code FCFS_DEV_CONSUMER_PORT} (8081),
 * {@code FCFS_DEV_POSTGRES_PORT} (5432) and {@code FCFS_DEV_REDIS_PORT} (6379); a port in use is replaced by a
 * free one. {@code JAVA_OPTS} is passed to both service JVMs.
 */
public final class DevLauncher {

    private static final PrintStream OUT = System.out;

    private static final LinePrinter SAY = LinePrinter.prefixed("launcher", OUT);

    /** Everything started so far, most recent first: the order in which it is stopped. */
    private final Deque<Started> running = new ArrayDeque<>();

    private volatile boolean stopping;

    private Path workDir;

    private DevLauncher() {
    }

    public static void main(String[] args) {
        DevLauncher launcher = new DevLauncher();
        Runtime.getRuntime().addShutdownHook(new Thread(launcher::stopAll, "dev-launcher-stop"));
        try {
            launcher.run();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (Exception ex) {
            if (!launcher.stopping) {
                SAY.println("FAILED: " + ex.getMessage());
                System.exit(1);
            }
        }
    }

    private void run() throws IOException, InterruptedException {
        if (!PrivatePostgres.canRunHere()) {
            throw new IllegalStateException("PostgreSQL refuses to run as root, and there is no postgres user to run "
                    + "it as: start the launcher as a normal user");
        }
        Path root = findProjectRoot();
        Path producerJar = requireJar(root, "producer-service");
        Path consumerJar = requireJar(root, "consumer-service");

        this.workDir = Files.createTempDirectory("fcfs-dev-");
        SAY.println("Working directory (deleted on exit): " + this.workDir);

        int postgresPort = Ports.preferredOrFree(preferredPort("FCFS_DEV_POSTGRES_PORT", 5432));
        SAY.println("Starting PostgreSQL 15 on port " + postgresPort + " ...");
        PrivatePostgres postgres = EmbeddedServers.postgres(postgresPort,
                Files.createDirectory(this.workDir.resolve("postgres")));
        started("PostgreSQL on port " + postgresPort, postgres);

        int redisPort = Ports.preferredOrFree(preferredPort("FCFS_DEV_REDIS_PORT", 6379));
        SAY.println("Starting redis-server on port " + redisPort + " (no persistence) ...");
        started("redis-server on port " + redisPort, EmbeddedServers.redis(redisPort,
                Files.createDirectory(this.workDir.resolve("redis")), LinePrinter.prefixed("redis", OUT)));

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("SPRING_DATASOURCE_URL", postgres.jdbcUrl());
        environment.put("SPRING_DATASOURCE_USERNAME", PrivatePostgres.USER);
        environment.put("SPRING_DATASOURCE_PASSWORD", "");
        environment.put("SPRING_DATA_REDIS_HOST", "127.0.0.1");
        environment.put("SPRING_DATA_REDIS_PORT", String.valueOf(redisPort));
        String adminToken = Optional.ofNullable(System.getenv("RESERVATION_ADMIN_TOKEN"))
            .filter((token) -> !token.isBlank())
            .orElseGet(DevLauncher::randomToken);

        int consumerPort = Ports.preferredOrFree(preferredPort("FCFS_DEV_CONSUMER_PORT", 8081));
        ServiceProcess consumer = startService("consumer", consumerJar, consumerPort, environment);
        int producerPort = Ports.preferredOrFree(preferredPort("FCFS_DEV_PRODUCER_PORT", 8080));
        if (producerPort == consumerPort) {
            producerPort = Ports.anyFree();
        }
        Map<String, String> producerEnvironment = new LinkedHashMap<>(environment);
        producerEnvironment.put("RESERVATION_ADMIN_TOKEN", adminToken);
        ServiceProcess producer = startService("producer", producerJar, producerPort, producerEnvironment);
        SAY.println("Starting consumer-service on port " + consumerPort + " and producer-service on port "
                + producerPort + " ...");

        ServiceProcess.awaitHealthy(Duration.ofSeconds(180), List.of(consumer, producer));
        printBanner(producer, consumer, postgres, redisPort, adminToken);

        // Both services run until Ctrl-C; if one of them dies on its own, stop everything rather than limp on.
        while (producer.isAlive() && consumer.isAlive()) {
            Thread.sleep(500);
        }
        if (!this.stopping) {
            SAY.println((producer.isAlive() ? "consumer" : "producer") + "-service exited; stopping everything");
            System.exit(1);
        }
    }

    /**
     * Starts {@code java -jar} of a service with the launcher's environment plus {@code environment}, its output
     * copied to the console with its name in front. Stopping it is SIGTERM, which Spring Boot turns into a graceful
     * shutdown (the producer finishes in-flight requests, the consumer its batch and lease release); killed if still
     * running after 30 s.
     */
    private ServiceProcess startService(String name, Path jar, int port, Map<String, String> environment) {
        List<String> jvmOptions = Optional.ofNullable(System.getenv("JAVA_OPTS"))
            .filter((options) -> !options.isBlank())
            .map((options) -> List.of(options.trim().split("\\s+")))
            .orElse(List.of());
        ServiceProcess service = ServiceProcess.builder(name, jar)
            .port(port)
            .environment(environment)
            .jvmOptions(jvmOptions)
            .output(LinePrinter.prefixed(name, OUT)::println)
            .noShutdownHook()
            .start();
        started(name + "-service (pid " + service.pid() + ")", () -> {
            int status = service.stop(Duration.ofSeconds(30));
            if (status >= 0) {
                OUT.printf("%-9s| exited with status %d%n", name, status);
            }
        });
        return service;
    }

    private void started(String name, AutoCloseable resource) {
        synchronized (this.running) {
            if (this.stopping) {
                closeQuietly(new Started(name, resource));
                throw new IllegalStateException("Stopping");
            }
            this.running.push(new Started(name, resource));
        }
    }

    /** The shutdown hook: services first (most recent first), then Redis and PostgreSQL, then the files. */
    private void stopAll() {
        this.stopping = true;
        synchronized (this.running) {
            if (!this.running.isEmpty()) {
                SAY.println("Stopping: services first (graceful), then Redis and PostgreSQL ...");
            }
            while (!this.running.isEmpty()) {
                Started resource = this.running.pop();
                SAY.println("Stopping " + resource.name());
                closeQuietly(resource);
            }
        }
        if (this.workDir != null) {
            deleteRecursively(this.workDir);
            SAY.println("Stopped; removed " + this.workDir);
        }
    }

    private static void closeQuietly(Started started) {
        try {
            started.resource().close();
        }
        catch (Exception ex) {
            SAY.println("Could not stop " + started.name() + ": " + ex);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach((path) -> {
                try {
                    Files.deleteIfExists(path);
                }
                catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (IOException | UncheckedIOException ex) {
            SAY.println("Could not delete " + dir + ": " + ex.getMessage());
        }
    }

    /** A fresh admin token per run (the producer wants at least 16 characters), printed in the banner. */
    private static String randomToken() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static int preferredPort(String variable, int defaultPort) {
        String value = System.getenv(variable);
        return (value == null || value.isBlank()) ? defaultPort : Integer.parseInt(value.trim());
    }

    /** The repository root: the working directory or a parent of it, else the parent of this jar's module. */
    private static Path findProjectRoot() {
        Path jar = Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0])
            .toAbsolutePath();
        for (Path start : new Path[] { Path.of("").toAbsolutePath(), jar }) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("producer-service"))
                        && Files.isDirectory(dir.resolve("consumer-service"))) {
                    return dir;
                }
            }
        }
        throw new IllegalStateException("Run the launcher from the repository (no producer-service/ and "
                + "consumer-service/ found above " + Path.of("").toAbsolutePath() + ")");
    }

    private static Path requireJar(Path root, String module) {
        Path jar = root.resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first with ./mvnw -B -q -DskipTests package");
        }
        return jar;
    }

    private static void printBanner(ServiceProcess producer, ServiceProcess consumer, PrivatePostgres postgres,
            int redisPort, String adminToken) {
        String api = "http://localhost:" + producer.port();
        String banner = String.join(System.lineSeparator(), "",
                "================================================================================",
                " fcfs-reservations is running (development try-out: embedded servers, no persistence)",
                "",
                "  API                 " + api,
                "  Dashboard           " + api + "/dashboard",
                "  Swagger UI          " + api + "/swagger-ui.html",
                "  Producer health     " + api + "/actuator/health",
                "  Consumer health     http://localhost:" + consumer.port() + "/actuator/health",
                "  PostgreSQL          " + postgres.jdbcUrl() + "  (user postgres, no password)",
                "  Redis               127.0.0.1:" + redisPort,
                "  Admin token         " + adminToken + "  (Authorization: Bearer, for POST /events and /admin/**)",
                "",
                " Try it:",
                "  TOKEN=" + adminToken,
                "  curl -si " + api + "/events -H \"Authorization: Bearer $TOKEN\" \\",
                "       -H 'Content-Type: application/json' -d '{\"name\":\"Drop #1\",\"capacity\":500}'",
                "  curl -si " + api + "/events/1/reservations -H 'Content-Type: application/json' \\",
                "       -H 'Idempotency-Key: try-1' -d '{\"userId\":\"u-123\"}'",
                "  curl -s  " + api + "/reservations/<reservationId from the answer above>",
                "  curl -s  " + api + "/events/1",
                "",
                " Ctrl-C stops both services, then Redis and PostgreSQL, and deletes their files.",
                "================================================================================", "");
        OUT.println(banner);
    }

    /** Something running, and its name in the launcher's output. */
    private record Started(String name, AutoCloseable resource) {
    }

}
