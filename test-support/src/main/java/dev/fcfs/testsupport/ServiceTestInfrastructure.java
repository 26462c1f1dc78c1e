package dev.fcfs.testsupport;

import com.redis.testcontainers.RedisContainer;
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
 * Import into a {@code @SpringBootTest} to run it against real servers: Testcontainers with
 * {@code @ServiceConnection} where Docker runs, otherwise the external servers of {@link TestServers}, in a
 * database and key prefix created for this context and removed afterwards.
 */
@TestConfiguration(proxyBeanMethods = false)
public class ServiceTestInfrastructure {

    @Bean
    @ServiceConnection
    @Conditional(DockerAvailable.class)
    PostgreSQLContainer postgresContainer() {
        return new PostgreSQLContainer(TestServers.POSTGRES_IMAGE);
    }

    @Bean
    @ServiceConnection(name = "redis")
    @Conditional(DockerAvailable.class)
    RedisContainer redisContainer() {
        return new RedisContainer(TestServers.REDIS_IMAGE);
    }

    @Bean
    IsolatedRun isolatedRun() {
        return new IsolatedRun(TestServers.newKeyPrefix());
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
            if (!TestServers.useContainers()) {
                String url = TestServers.createDatabase();
                registry.add("spring.datasource.url", () -> url);
                registry.add("spring.datasource.username", TestServers::postgresUser);
                registry.add("spring.datasource.password", TestServers::postgresPassword);
                // Redis: the service's own spring.data.redis.* settings (from SPRING_DATA_REDIS_HOST/_PORT or the
                // 127.0.0.1:6379 default) already name the external server; only the key prefix isolates the run.
            }
        }

        @Override
        public void destroy() {
            if (!TestServers.useContainers()) {
                TestServers.deleteKeys(TestServers.redisHost(), TestServers.redisPort(), this.keyPrefix);
            }
        }

    }

    static final class DockerAvailable implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return TestServers.useContainers();
        }

    }

}
