package dev.fcfs.testsupport;

import com.redis.testcontainers.RedisContainer;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * A Redis for tests that run without a Spring context, as {@link TestServers} chooses it: a container where Docker
 * runs, else the shared server. Each test keeps to a key prefix of its own ({@link TestServers#newKeyPrefix()}) and
 * deletes it with {@link #deleteKeys}.
 */
public final class StandaloneRedis implements AutoCloseable {

    private final @Nullable RedisContainer container;

    private final String host;

    private final int port;

    private final LettuceConnectionFactory connections;

    private final StringRedisTemplate template;

    private StandaloneRedis(@Nullable RedisContainer container, String host, int port) {
        this.container = container;
        this.host = host;
        this.port = port;
        this.connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
        this.connections.afterPropertiesSet();
        this.connections.start();
        this.template = new StringRedisTemplate(this.connections);
    }

    public static StandaloneRedis start() {
        if (!TestServers.useContainers()) {
            return new StandaloneRedis(null, TestServers.redisHost(), TestServers.redisPort());
        }
        RedisContainer container = new RedisContainer(TestServers.REDIS_IMAGE);
        container.start();
        return new StandaloneRedis(container, container.getRedisHost(), container.getRedisPort());
    }

    public StringRedisTemplate template() {
        return this.template;
    }

    public LettuceConnectionFactory connections() {
        return this.connections;
    }

    /** Deletes every key under the prefix (SCAN, never FLUSHALL: the server may be shared). */
    public void deleteKeys(String prefix) {
        TestServers.deleteKeys(this.host, this.port, prefix);
    }

    @Override
    public void close() {
        this.connections.destroy();
        if (this.container != null) {
            this.container.stop();
        }
    }

}
