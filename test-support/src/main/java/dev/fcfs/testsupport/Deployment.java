package dev.fcfs.testsupport;

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
import java.util.function.Supplier;
import java.util.zip.ZipFile;

import com.redis.testcontainers.RedisContainer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A whole system of separate processes for a black-box test: Redis and PostgreSQL, one producer and any number of
 * consumers, each the built jar ({@code <module>/target/<module>.jar}) running as a {@link ServiceProcess} with its
 * output in {@code target/e2e-logs/<name>.log}. {@link #close()} stops every process it started, then the servers
 * (or removes the deployment's keys and database from shared ones).
 *
 * <p>The servers, by {@link Builder}: by default those of {@link TestServers} (fresh containers where Docker runs,
 * otherwise the local servers in a new database and key prefix); or a {@link PrivateRedisCluster}; or a
 * {@link PrivateRedis} and {@link PrivatePostgres} the caller started to crash, freeze and fill.
 */
public final class Deployment implements AutoCloseable {

    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final String name;

    private final Servers servers;

    private final int shards;

    private final Map<String, String> consumerSettings;

    private final List<ServiceProcess> processes = new ArrayList<>();

    private final Map<String, Path> jars = new ConcurrentHashMap<>();

    /** The producer's admin bearer token (POST /events needs it), new for every deployment. */
    private final String adminToken = "e2e-admin-" + UUID.randomUUID();

    private ServiceProcess producer;

    private Deployment(String name, Servers servers, int shards, Map<String, String> consumerSettings) {
        this.name = name;
        this.servers = servers;
        this.shards = shards;
        this.consumerSettings = consumerSettings;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Starts a deployment on the servers of {@link TestServers}: see {@link Builder#start()}. */
    public static Deployment start(String name, int shards, int consumers, Map<String, String> consumerSettings) {
        return builder(name).shards(shards).consumers(consumers).consumerSettings(consumerSettings).start();
    }

    /** Starts (without waiting for health) a consumer named {@code <name>-consumer-<number>}. */
    public ServiceProcess startConsumer(int number) {
        return startConsumer(this.name + "-consumer-" + number);
    }

    /** Starts (without waiting for health) a consumer with the given log name. */
    public ServiceProcess startConsumer(String processName) {
        return startConsumer(processName, Map.of());
    }

    /**
     * Starts (without waiting for health) a consumer with the given log name and, on top of the deployment's
     * settings, {@code environment} (e.g. its own {@code SPRING_DATASOURCE_URL} through a proxy, or its own
     * {@code RESERVATION_WORKER_INSTANCE_ID}).
     */
    public ServiceProcess startConsumer(String processName, Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>(this.consumerSettings);
        settings.putAll(environment);
        return launch(processName, "consumer-service", settings);
    }

    /** The bearer token the producer expects with {@code POST /events}. */
    public String adminToken() {
        return this.adminToken;
    }

    public ServiceProcess producer() {
        return this.producer;
    }

    /** The consumer processes started so far, dead or alive, in start order. */
    public List<ServiceProcess> consumers() {
        return this.processes.stream().filter((process) -> process != this.producer).toList();
    }

    /** The {@code RESERVATION_QUEUE_KEY_PREFIX} of every service: the deployment's keys are under it. */
    public String keyPrefix() {
        return this.servers.keyPrefix;
    }

    /** The Redis Cluster, if the deployment runs on one; null otherwise. */
    public PrivateRedisCluster redisCluster() {
        return this.servers.cluster;
    }

    /**
     * Commands on the deployment's Redis, single server or cluster, on a connection of the test's own: to look at
     * queues and leases by the names the services use.
     */
    public RedisClusterCommands<String, String> redis() {
        return this.servers.redis.get();
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (ServiceProcess process : this.processes) {
            stops.add(CompletableFuture.runAsync(() -> process.stop(STOP_GRACE)));
        }
        stops.forEach(CompletableFuture::join);
        this.servers.close();
    }

    @Override
    public String toString() {
        return this.name + " on " + this.servers + ": " + this.processes;
    }

    private ServiceProcess launch(String processName, String module, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>(this.servers.environment);
        env.put("RESERVATION_QUEUE_KEY_PREFIX", this.servers.keyPrefix);
        env.put("RESERVATION_QUEUE_SHARDS", Integer.toString(this.shards));
        // the start-up warm-up runs as in production, only bounded shorter: these tests judge behaviour, not speed
        env.put("RESERVATION_WARMUP_MAX_DURATION", "2s");
        env.putAll(extra);
        Path jar = this.jars.computeIfAbsent(module, Deployment::snapshot);
        ServiceProcess process = ServiceProcess.builder(processName, jar)
            .isolated()
            .environment(env)
            .jvmOptions(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
            .log(workDirectory("e2e-logs").resolve(processName + ".log"))
            .workingDirectory(jar.getParent())
            .start();
        synchronized (this.processes) {
            this.processes.add(process);
        }
        return process;
    }

    /**
     * A private copy of a module's executable jar, taken once per deployment: every process of a test class then
     * runs the same build, even if the module is rebuilt meanwhile (a jar rewritten under a starting JVM fails
     * with NoClassDefFoundError). The copy is checked to be a complete zip; a copy taken mid-rewrite is retried.
     */
    private static Path snapshot(String module) {
        Path source = projectRoot().resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("Service jar " + source + " does not exist: build it first "
                    + "(./mvnw -B verify builds it before these tests)");
        }
        try {
            Path copy = Files.createTempFile(workDirectory("e2e-jars"), module + "-", ".jar");
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
                Processes.pause(Duration.ofSeconds(2));
            }
            throw new IllegalStateException("No complete copy of " + source + " after 10 attempts", last);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not copy " + source, ex);
        }
    }

    /** {@code target/<name>} of the module whose tests run (Maven runs them in the module's directory). */
    private static Path workDirectory(String name) {
        try {
            return Files.createDirectories(Path.of("target", name).toAbsolutePath());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The repository root: the {@code fcfs.project.root} system property (the build sets it), else the working
     * directory or, run from inside a module (e.g. from an IDE), its parent.
     */
    public static Path projectRoot() {
        String configured = System.getProperty("fcfs.project.root");
        Path root = (configured != null && !configured.isBlank()) ? Path.of(configured)
                : Path.of("").toAbsolutePath();
        if (!Files.isDirectory(root.resolve("producer-service")) && root.getParent() != null
                && Files.isDirectory(root.getParent().resolve("producer-service"))) {
            root = root.getParent();
        }
        return root.toAbsolutePath().normalize();
    }

    /** Which servers a {@link Deployment} runs on, and how many services. */
    public static final class Builder {

        private final String name;

        private int shards = 16;

        private int consumers = 2;

        private Map<String, String> consumerSettings = Map.of();

        private PrivateRedis redis;

        private PrivatePostgres postgres;

        private int clusterMasters;

        private Builder(String name) {
            this.name = name;
        }

        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        public Builder consumers(int consumers) {
            this.consumers = consumers;
            return this;
        }

        /** Extra {@code RESERVATION_WORKER_*} (or other) variables for every consumer. */
        public Builder consumerSettings(Map<String, String> settings) {
            this.consumerSettings = Map.copyOf(settings);
            return this;
        }

        /**
         * Servers the caller started, to crash, freeze and fill: never shared ones, never containers. They are closed
         * with the deployment, also if it fails to start.
         */
        public Builder privateServers(PrivateRedis redis, PrivatePostgres postgres) {
            this.redis = redis;
            this.postgres = postgres;
            return this;
        }

        /**
         * A real Redis Cluster of {@code masters} masters ({@link PrivateRedisCluster}) instead of one Redis: the
         * services then get {@code SPRING_DATA_REDIS_CLUSTER_NODES}. Check
         * {@link PrivateRedisCluster#binariesAvailable()} first.
         */
        public Builder redisCluster(int masters) {
            this.clusterMasters = masters;
            return this;
        }

        /**
         * Starts the servers, a producer and the consumers (in parallel, to save start-up time on small machines)
         * and waits until all are healthy. Consumers are named {@code <name>-consumer-1}, {@code -2}, ...; the first
         * one is started ahead of the others so that it is sure to own shards when the others join.
         */
        public Deployment start() {
            ServiceProcess.reapOrphans();
            Deployment deployment = new Deployment(this.name, servers(), this.shards, this.consumerSettings);
            try {
                deployment.producer = deployment.launch(this.name + "-producer", "producer-service",
                        Map.of("RESERVATION_ADMIN_TOKEN", deployment.adminToken));
                ServiceProcess first = deployment.startConsumer(1);
                // Producer and first consumer both migrate the same schema at start: Flyway's lock serialises that.
                deployment.producer.awaitHealthy();
                first.awaitHealthy();
                List<CompletableFuture<ServiceProcess>> others = new ArrayList<>();
                for (int i = 2; i <= this.consumers; i++) {
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

        private Servers servers() {
            String keyPrefix = TestServers.newKeyPrefix();
            if (this.redis != null) {
                return Servers.of(this.redis, this.postgres, keyPrefix);
            }
            if (this.clusterMasters > 0) {
                return Servers.withCluster(PrivateRedisCluster.start(this.clusterMasters), keyPrefix);
            }
            return Servers.shared(keyPrefix);
        }

    }

    /** The servers of a deployment: what the services are told, how to look into Redis, and how to clean up. */
    private static final class Servers implements AutoCloseable {

        private final Map<String, String> environment = new LinkedHashMap<>();

        private final String keyPrefix;

        private final List<AutoCloseable> cleanUp = new ArrayList<>();

        private String description;

        private PrivateRedisCluster cluster;

        private Supplier<RedisClusterCommands<String, String>> redis;

        private Servers(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        static Servers of(PrivateRedis redis, PrivatePostgres postgres, String keyPrefix) {
            Servers servers = new Servers(keyPrefix);
            servers.postgres(postgres.jdbcUrl(), postgres.username(), postgres.password());
            servers.redis(redis.host(), redis.port(), redis::commands);
            // nothing else uses them: no keys or database to remove one by one
            servers.cleanUp.add(postgres);
            servers.cleanUp.add(redis);
            servers.description = redis + ", " + postgres;
            return servers;
        }

        static Servers withCluster(PrivateRedisCluster cluster, String keyPrefix) {
            Servers servers = new Servers(keyPrefix);
            // the cluster goes anyway; deleting first proves the cleanup reaches every master
            servers.cleanUp.add(cluster);
            servers.cleanUp.add(() -> TestServers.deleteClusterKeys(cluster.nodes(), keyPrefix));
            try {
                servers.postgres();
            }
            catch (RuntimeException ex) {
                servers.close();
                throw ex;
            }
            // host and port name the first node: Spring Boot ignores them once cluster nodes are configured
            String first = cluster.nodes().get(0);
            servers.redis(first.substring(0, first.lastIndexOf(':')),
                    Integer.parseInt(first.substring(first.lastIndexOf(':') + 1)), cluster::commands);
            servers.environment.put("SPRING_DATA_REDIS_CLUSTER_NODES", cluster.nodesProperty());
            servers.cluster = cluster;
            servers.description += ", " + cluster;
            return servers;
        }

        static Servers shared(String keyPrefix) {
            Servers servers = new Servers(keyPrefix);
            try {
                servers.postgres();
                if (TestServers.useContainers()) {
                    // Queues need noeviction (the image's default, stated so that nobody changes it by accident).
                    RedisContainer container = new RedisContainer(TestServers.REDIS_IMAGE).withCommand("redis-server",
                            "--maxmemory-policy", "noeviction", "--save", "", "--appendonly", "no");
                    servers.cleanUp.add(container::stop);
                    container.start();
                    servers.redis(container.getRedisHost(), container.getRedisPort(),
                            servers.connection(container.getRedisHost(), container.getRedisPort()));
                }
                else {
                    servers.cleanUp.add(() -> TestServers.deleteKeys(TestServers.redisHost(), TestServers.redisPort(),
                            keyPrefix));
                    servers.redis(TestServers.redisHost(), TestServers.redisPort(),
                            servers.connection(TestServers.redisHost(), TestServers.redisPort()));
                }
                servers.description += ", redis " + servers.environment.get("SPRING_DATA_REDIS_HOST") + ":"
                        + servers.environment.get("SPRING_DATA_REDIS_PORT");
                return servers;
            }
            catch (RuntimeException ex) {
                servers.close();
                throw ex;
            }
        }

        /** PostgreSQL from {@link TestServers}: a container, or a new database on the local server. */
        private void postgres() {
            if (TestServers.useContainers()) {
                PostgreSQLContainer container = new PostgreSQLContainer(TestServers.POSTGRES_IMAGE);
                this.cleanUp.add(container::stop);
                container.start();
                postgres(container.getJdbcUrl(), container.getUsername(), container.getPassword());
                this.description = "containers " + container.getJdbcUrl();
            }
            else {
                // the database goes when the JVM exits (TestServers registered that)
                String url = TestServers.createDatabase();
                postgres(url, TestServers.postgresUser(), TestServers.postgresPassword());
                this.description = "local servers " + url;
            }
        }

        private void postgres(String url, String username, String password) {
            this.environment.put("SPRING_DATASOURCE_URL", url);
            this.environment.put("SPRING_DATASOURCE_USERNAME", username);
            this.environment.put("SPRING_DATASOURCE_PASSWORD", password);
        }

        private void redis(String host, int port, Supplier<RedisClusterCommands<String, String>> commands) {
            this.environment.put("SPRING_DATA_REDIS_HOST", host);
            this.environment.put("SPRING_DATA_REDIS_PORT", Integer.toString(port));
            this.redis = commands;
        }

        /** A connection of the test's own, closed before the server is cleaned up. */
        private Connection connection(String host, int port) {
            Connection connection = new Connection(host, port);
            this.cleanUp.add(connection);
            return connection;
        }

        @Override
        public void close() {
            // in reverse order of acquisition
            for (int i = this.cleanUp.size() - 1; i >= 0; i--) {
                try {
                    this.cleanUp.get(i).close();
                }
                catch (Exception ex) {
                    System.err.println("Could not clean up after " + this + ": " + ex);
                }
            }
        }

        @Override
        public String toString() {
            return this.description + ", key prefix " + this.keyPrefix;
        }

    }

    /** A connection of the test's own to a single Redis, opened on first use. */
    private static final class Connection implements Supplier<RedisClusterCommands<String, String>>, AutoCloseable {

        private final RedisURI uri;

        private RedisClient client;

        private StatefulRedisConnection<String, String> connection;

        Connection(String host, int port) {
            this.uri = RedisURI.create(host, port);
        }

        @Override
        public synchronized RedisClusterCommands<String, String> get() {
            if (this.client == null) {
                this.client = RedisClient.create(this.uri);
            }
            if (this.connection == null || !this.connection.isOpen()) {
                this.connection = this.client.connect();
            }
            return this.connection.sync();
        }

        @Override
        public synchronized void close() {
            if (this.client != null) {
                this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }

    }

}
