package dev.fcfs.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.ZipFile;

/**
 * A whole system for one test class: backing servers, one producer and any number of consumers, each a real
 * process. {@link #close()} stops every process it started, then removes the class's keys (and database).
 */
final class Deployment implements AutoCloseable {

    private final String name;

    private final BackingServers servers;

    private final int shards;

    private final Map<String, String> consumerSettings;

    private final List<ServiceProcess> processes = new ArrayList<>();

    private final Map<String, Path> jars = new ConcurrentHashMap<>();

    private ServiceProcess producer;

    /** The producer's admin bearer token (POST /events needs it), new for every deployment. */
    private final String adminToken = "e2e-admin-" + UUID.randomUUID();

    private Deployment(String name, BackingServers servers, int shards, Map<String, String> consumerSettings) {
        this.name = name;
        this.servers = servers;
        this.shards = shards;
        this.consumerSettings = consumerSettings;
    }

    /**
     * Starts the servers, a producer and {@code consumers} consumers (in parallel, to save start-up time on small
     * machines) and waits until all are healthy. Consumers are named {@code <name>-consumer-1}, {@code -2}, ...;
     * the first one is started ahead of the others so that it is sure to own shards when the others join.
     * @param consumerSettings extra {@code RESERVATION_WORKER_*} variables for every consumer
     */
    static Deployment start(String name, int shards, int consumers, Map<String, String> consumerSettings) {
        return start(name, BackingServers.start(), shards, consumers, consumerSettings);
    }

    /**
     * As {@link #start(String, int, int, Map)}, on backing servers the caller started (the Redis Cluster of
     * {@link BackingServers#startWithRedisCluster}, the fault-injection suite's private servers); they are closed
     * with the deployment, also if it fails to start.
     */
    static Deployment start(String name, BackingServers servers, int shards, int consumers,
            Map<String, String> consumerSettings) {
        Deployment deployment = new Deployment(name, servers, shards, Map.copyOf(consumerSettings));
        try {
            deployment.producer = deployment.launch(name + "-producer", deployment.jar("producer-service"),
                    Map.of("RESERVATION_ADMIN_TOKEN", deployment.adminToken));
            ServiceProcess first = deployment.startConsumer(1);
            // Producer and first consumer both migrate the same schema at start: Flyway's lock serialises that.
            deployment.producer.awaitHealthy();
            first.awaitHealthy();
            List<CompletableFuture<ServiceProcess>> others = new ArrayList<>();
            for (int i = 2; i <= consumers; i++) {
                ServiceProcess consumer = deployment.startConsumer(i);
                others.add(CompletableFuture.supplyAsync(consumer::awaitHealthy));
            }
            others.forEach(CompletableFuture::join);
            return deployment;
        }
        catch (RuntimeException ex) {
            deployment.close();
            throw ex;
        }
    }

    /** Starts (without waiting for health) a consumer named {@code <name>-consumer-<number>}. */
    ServiceProcess startConsumer(int number) {
        return startConsumer(this.name + "-consumer-" + number);
    }

    /** Starts (without waiting for health) a consumer with the given log name. */
    ServiceProcess startConsumer(String processName) {
        return launch(processName, jar("consumer-service"), this.consumerSettings);
    }

    /**
     * Starts (without waiting for health) a consumer with the given log name and, on top of the deployment's
     * settings, {@code environment} (e.g. its own {@code SPRING_DATASOURCE_URL} through a proxy, or its own
     * {@code RESERVATION_WORKER_INSTANCE_ID}).
     */
    ServiceProcess startConsumer(String processName, Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>(this.consumerSettings);
        settings.putAll(environment);
        return launch(processName, jar("consumer-service"), settings);
    }

    /** The bearer token the producer expects with {@code POST /events}. */
    String adminToken() {
        return this.adminToken;
    }

    ServiceProcess producer() {
        return this.producer;
    }

    /** The consumer processes started so far, dead or alive, in start order. */
    List<ServiceProcess> consumers() {
        return this.processes.stream().filter((process) -> process != this.producer).toList();
    }

    BackingServers servers() {
        return this.servers;
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (ServiceProcess process : this.processes) {
            stops.add(CompletableFuture.runAsync(process::stop));
        }
        stops.forEach(CompletableFuture::join);
        this.servers.close();
    }

    @Override
    public String toString() {
        return this.name + " on " + this.servers + ": " + this.processes;
    }

    private ServiceProcess launch(String processName, Path jar, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>(this.servers.serviceEnvironment(this.shards));
        env.putAll(extra);
        ServiceProcess process = ServiceProcess.start(processName, jar, env);
        this.processes.add(process);
        return process;
    }

    /**
     * A private copy of a module's executable jar, taken once per deployment: every process of a test class then
     * runs the same build, even if the module is rebuilt meanwhile (a jar rewritten under a starting JVM fails
     * with NoClassDefFoundError). The copy is checked to be a complete zip; a copy taken mid-rewrite is retried.
     */
    private Path jar(String module) {
        return this.jars.computeIfAbsent(module, Deployment::snapshot);
    }

    private static Path snapshot(String module) {
        Path source = ServiceProcess.projectRoot().resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("Service jar " + source + " does not exist: build it first "
                    + "(./mvnw -B verify builds it before these tests)");
        }
        try {
            Path directory = Files.createDirectories(ServiceProcess.projectRoot().resolve("e2e-tests/target/e2e-jars"));
            Path copy = Files.createTempFile(directory, module + "-", ".jar");
            copy.toFile().deleteOnExit();
            IOException last = null;
            for (int attempt = 1; attempt <= 10; attempt++) {
                Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
                try (ZipFile zip = new ZipFile(copy.toFile())) {
                    if (zip.getEntry("META-INF/MANIFEST.MF") != null) {
                        return copy;
                    }
                }
                catch (IOException ex) {
                    last = ex;
                }
                LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
            }
            throw new IllegalStateException("No complete copy of " + source + " after 10 attempts", last);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not copy " + source, ex);
        }
    }

}
