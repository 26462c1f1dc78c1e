package dev.fcfs.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

import com.redis.testcontainers.RedisContainer;
import dev.fcfs.testsupport.LocalRedisCluster;
import dev.fcfs.testsupport.TestServers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The Redis and PostgreSQL one test class runs its services against: fresh Testcontainers where Docker runs,
 * otherwise the local servers of {@link TestServers}, isolated in a new database and a new key prefix that are
 * removed afterwards (never FLUSHALL: other builds share that Redis).
 */
final class BackingServers implements AutoCloseable {

    private final PostgreSQLContainer postgres;

    private final RedisContainer redis;

    private final String jdbcUrl;

    private final String username;

    private final String password;

    private final String redisHost;

    private final int redisPort;

    private final String keyPrefix;

    /** Set instead of a single Redis by {@link #startWithRedisCluster}; null otherwise. */
    private LocalRedisCluster redisCluster;

    /** Servers of the suite's own that {@link #close()} stops, or null: see {@link #of}. */
    private PrivateRedis privateRedis;

    private PrivatePostgres privatePostgres;

    private BackingServers(PostgreSQLContainer postgres, RedisContainer redis, String jdbcUrl, String username,
            String password, String redisHost, int redisPort, String keyPrefix) {
        this.postgres = postgres;
        this.redis = redis;
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.redisHost = redisHost;
        this.redisPort = redisPort;
        this.keyPrefix = keyPrefix;
    }

    static BackingServers start() {
        String keyPrefix = TestServers.newKeyPrefix();
        if (TestServers.useContainers()) {
            PostgreSQLContainer postgres = new PostgreSQLContainer(TestServers.POSTGRES_IMAGE);
            // Queues need noeviction (the image's default, stated so that nobody changes it by accident).
            RedisContainer redis = new RedisContainer(TestServers.REDIS_IMAGE)
                .withCommand("redis-server", "--maxmemory-policy", "noeviction", "--save", "", "--appendonly", "no");
            postgres.start();
            redis.start();
            return new BackingServers(postgres, redis, postgres.getJdbcUrl(), postgres.getUsername(),
                    postgres.getPassword(), redis.getRedisHost(), redis.getRedisPort(), keyPrefix);
        }
        return new BackingServers(null, null, TestServers.createDatabase(), TestServers.postgresUser(),
                TestServers.postgresPassword(), TestServers.redisHost(), TestServers.redisPort(), keyPrefix);
    }

    /**
     * Like {@link #start()}, but with a real Redis Cluster of {@code masters} masters on loopback (redis-server
     * processes, see {@link LocalRedisCluster}) instead of a single Redis: the services then get
     * {@code SPRING_DATA_REDIS_CLUSTER_NODES}. PostgreSQL is a container where Docker runs, else the local server.
     * Callers should first check {@link LocalRedisCluster#binariesAvailable()}.
     */
    static BackingServers startWithRedisCluster(int masters) {
        String keyPrefix = TestServers.newKeyPrefix();
        LocalRedisCluster cluster = LocalRedisCluster.start(masters);
        try {
            BackingServers servers;
            // host and port stay set to the first node: Spring Boot ignores them once cluster nodes are configured
            if (TestServers.useContainers()) {
                PostgreSQLContainer postgres = new PostgreSQLContainer(TestServers.POSTGRES_IMAGE);
                postgres.start();
                servers = new BackingServers(postgres, null, postgres.getJdbcUrl(), postgres.getUsername(),
                        postgres.getPassword(), "127.0.0.1", firstPort(cluster), keyPrefix);
            }
            else {
                servers = new BackingServers(null, null, TestServers.createDatabase(), TestServers.postgresUser(),
                        TestServers.postgresPassword(), "127.0.0.1", firstPort(cluster), keyPrefix);
            }
            servers.redisCluster = cluster;
            return servers;
        }
        catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    /**
     * A private redis-server and PostgreSQL cluster that the fault-injection suite may crash, stop, fill up and
     * restart: never shared servers, never containers. {@link #close()} stops both and removes their data.
     */
    static BackingServers of(PrivateRedis redis, PrivatePostgres postgres) {
        BackingServers servers = new BackingServers(null, null, postgres.jdbcUrl(), postgres.username(),
                postgres.password(), redis.host(), redis.port(), TestServers.newKeyPrefix());
        servers.privateRedis = redis;
        servers.privatePostgres = postgres;
        return servers;
    }

    /** The variables both services read to find these servers, with the given shard count. */
    Map<String, String> serviceEnvironment(int shards) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPRING_DATASOURCE_URL", this.jdbcUrl);
        env.put("SPRING_DATASOURCE_USERNAME", this.username);
        env.put("SPRING_DATASOURCE_PASSWORD", this.password);
        env.put("SPRING_DATA_REDIS_HOST", this.redisHost);
        env.put("SPRING_DATA_REDIS_PORT", Integer.toString(this.redisPort));
        env.put("RESERVATION_QUEUE_KEY_PREFIX", this.keyPrefix);
        env.put("RESERVATION_QUEUE_SHARDS", Integer.toString(shards));
        if (this.redisCluster != null) {
            env.put("SPRING_DATA_REDIS_CLUSTER_NODES", this.redisCluster.nodesProperty());
        }
        return env;
    }

    String keyPrefix() {
        return this.keyPrefix;
    }

    /** The Redis Cluster, if {@link #startWithRedisCluster} started one; null otherwise. */
    LocalRedisCluster redisCluster() {
        return this.redisCluster;
    }

    @Override
    public void close() {
        if (this.redisCluster != null) {
            closeWithRedisCluster();
            return;
        }
        if (this.privateRedis != null) {
            // Nothing else uses them: no keys or database to remove one by one.
            this.privateRedis.close();
            this.privatePostgres.close();
            return;
        }
        if (this.postgres != null) {
            this.redis.stop();
            this.postgres.stop();
        }
        else {
            // The database goes when the JVM exits (TestServers registered that); the keys go now.
            TestServers.deleteKeys(this.redisHost, this.redisPort, this.keyPrefix);
        }
    }

    private void closeWithRedisCluster() {
        try {
            // the cluster goes anyway; deleting first proves the cleanup reaches every master
            TestServers.deleteClusterKeys(this.redisCluster.nodes(), this.keyPrefix);
        }
        finally {
            this.redisCluster.close();
            if (this.postgres != null) {
                this.postgres.stop();
            }
        }
    }

    private static int firstPort(LocalRedisCluster cluster) {
        String node = cluster.nodes().get(0);
        return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1));
    }

    @Override
    public String toString() {
        if (this.privateRedis != null) {
            return this.privateRedis + ", " + this.privatePostgres + ", key prefix " + this.keyPrefix;
        }
        return ((this.postgres != null) ? "containers" : "local servers") + " " + this.jdbcUrl + ", redis "
                + ((this.redisCluster != null) ? this.redisCluster : this.redisHost + ":" + this.redisPort)
                + ", key prefix " + this.keyPrefix;
    }

}
