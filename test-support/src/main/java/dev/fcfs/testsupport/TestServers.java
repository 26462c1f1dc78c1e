package dev.fcfs.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import com.redis.testcontainers.RedisContainer;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.test.context.DynamicPropertyRegistrar;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Where the tests find their Redis and PostgreSQL, and how each run keeps to itself on shared servers.
 *
 * <p>With a Docker engine, tests run against fresh Testcontainers. Without one (or with
 * {@code FCFS_TEST_SERVERS=external}), they use the servers named by the usual variables
 * ({@code SPRING_DATA_REDIS_HOST}/{@code _PORT}, {@code TEST_POSTGRES_ADMIN_URL}/{@code _USER}/{@code _PASSWORD}),
 * defaulting to 127.0.0.1; every run then works in a database and a Redis key prefix of its own and removes
 * them when it ends.
 *
 * <p>Import it into a {@code @SpringBootTest} ({@code @Import(TestServers.class)}) to run the service against them:
 * containers with {@code @ServiceConnection}, or the external servers in a database and key prefix made for the
 * context. Its static methods give the same servers to tests that start things themselves; {@link Deployment} does
 * for whole deployments of separate processes.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestServers {

    public static final String REDIS_IMAGE = "redis:7.4-alpine";

    public static final String POSTGRES_IMAGE = "postgres:17-alpine";

    private static volatile Boolean useContainers;

    @Bean
    @ServiceConnection
    @Conditional(DockerAvailable.class)
    PostgreSQLContainer postgresContainer() {
        return new PostgreSQLContainer(POSTGRES_IMAGE);
    }

    @Bean
    @ServiceConnection(name = "redis")
    @Conditional(DockerAvailable.class)
    RedisContainer redisContainer() {
        return new RedisContainer(REDIS_IMAGE);
    }

    @Bean
    IsolatedRun isolatedRun() {
        return new IsolatedRun(newKeyPrefix());
    }

    /** True when Testcontainers should provide the servers. Checked once per JVM. */
    public static boolean useContainers() {
        Boolean result = useContainers;
        if (result == null) {
            boolean forcedExternal = "external".equalsIgnoreCase(env("FCFS_TEST_SERVERS", ""));
            result = !forcedExternal && DockerClientFactory.instance().isDockerAvailable();
            useContainers = result;
        }
        return result;
    }

    public static String redisHost() {
        return env("SPRING_DATA_REDIS_HOST", "127.0.0.1");
    }

    public static int redisPort() {
        return Integer.parseInt(env("SPRING_DATA_REDIS_PORT", "6379"));
    }

    /** A key prefix no other run uses. */
    public static String newKeyPrefix() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * Creates an empty database on the external PostgreSQL and drops it when the JVM exits.
     * @return its JDBC URL
     */
    public static String createDatabase() {
        String name = "fcfs_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute("CREATE DATABASE " + name);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dropDatabase(name), "drop-" + name));
        String adminUrl = postgresAdminUrl();
        return adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + name;
    }

    public static String postgresUser() {
        return env("TEST_POSTGRES_USER", "postgres");
    }

    public static String postgresPassword() {
        return env("TEST_POSTGRES_PASSWORD", "");
    }

    /** Deletes every key under a prefix on the external Redis (SCAN + UNLINK, never FLUSHALL). */
    public static void deleteKeys(String host, int port, String prefix) {
        RedisClient client = RedisClient.create(RedisURI.create(host, port));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            deleteKeys(connection.sync(), prefix);
        }
        finally {
            client.shutdown();
        }
    }

    /**
     * Deletes every key under a prefix on a Redis Cluster, given some of its nodes as {@code host:port}. A plain
     * {@code SCAN} sees only the keys of the node it is sent to; Lettuce's cluster connection scans every master in
     * turn, and splits the {@code UNLINK} of keys from several slots into one command per slot.
     */
    public static void deleteClusterKeys(List<String> nodes, String prefix) {
        List<RedisURI> uris = nodes.stream().map((node) -> RedisURI.create("redis://" + node)).toList();
        RedisClusterClient client = RedisClusterClient.create(uris);
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            deleteKeys(connection.sync(), prefix);
        }
        finally {
            client.shutdown();
        }
    }

    private static void deleteKeys(RedisKeyCommands<String, String> redis, String prefix) {
        ScanArgs match = ScanArgs.Builder.matches(prefix + ":*").limit(1000);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, match);
            List<String> keys = page.getKeys();
            if (!keys.isEmpty()) {
                redis.unlink(keys.toArray(String[]::new));
            }
            cursor = page;
        }
        while (!cursor.isFinished());
    }

    private static void dropDatabase(String name) {
        try {
            execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
        catch (RuntimeException ex) {
            System.err.println("Could not drop test database " + name + ": " + ex.getMessage());
        }
    }

    private static String postgresAdminUrl() {
        return env("TEST_POSTGRES_ADMIN_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    }

    private static void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(postgresAdminUrl(), postgresUser(),
                postgresPassword()); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("PostgreSQL at " + postgresAdminUrl() + " refused: " + sql, ex);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            value = System.getProperty(name.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        return (value == null || value.isBlank()) ? fallback : value;
    }

    /** Registers this run's key prefix and, without Docker, its own database; deletes its keys at the end. */
    public static final class IsolatedRun implements DynamicPropertyRegistrar, DisposableBean {

        private final String keyPrefix;

        IsolatedRun(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public String keyPrefix() {
            return this.keyPrefix;
        }

        @Override
        public void accept(DynamicPropertyRegistry registry) {
            registry.add("reservation.queue.key-prefix", () -> this.keyPrefix);
            if (!useContainers()) {
                String url = createDatabase();
                registry.add("spring.datasource.url", () -> url);
                registry.add("spring.datasource.username", TestServers::postgresUser);
                registry.add("spring.datasource.password", TestServers::postgresPassword);
                // Redis: the service's own spring.data.redis.* settings (from SPRING_DATA_REDIS_HOST/_PORT or the
                // 127.0.0.1:6379 default) already name the external server; only the key prefix isolates the run.
            }
        }

        @Override
        public void destroy() {
            if (!useContainers()) {
                deleteKeys(redisHost(), redisPort(), this.keyPrefix);
            }
        }

    }

    static final class DockerAvailable implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return useContainers();
        }

    }

}
