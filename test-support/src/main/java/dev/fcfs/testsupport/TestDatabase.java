package dev.fcfs.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;

import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * An empty PostgreSQL database for a test that starts a whole application itself ({@code SpringApplication.run}),
 * outside the test context that {@link TestServers} serves: a fresh container where Docker runs,
 * otherwise a new database on the external server of {@link TestServers} (dropped when the JVM exits).
 */
public final class TestDatabase implements AutoCloseable {

    private final PostgreSQLContainer container;

    private final String url;

    private final String username;

    private final String password;

    private TestDatabase(PostgreSQLContainer container, String url, String username, String password) {
        this.container = container;
        this.url = url;
        this.username = username;
        this.password = password;
    }

    public static TestDatabase create() {
        if (TestServers.useContainers()) {
            PostgreSQLContainer container = new PostgreSQLContainer(TestServers.POSTGRES_IMAGE);
            container.start();
            return new TestDatabase(container, container.getJdbcUrl(), container.getUsername(),
                    container.getPassword());
        }
        return new TestDatabase(null, TestServers.createDatabase(), TestServers.postgresUser(),
                TestServers.postgresPassword());
    }

    /** The {@code spring.datasource.*} properties naming this database. */
    public Map<String, Object> springProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", this.url);
        properties.put("spring.datasource.username", this.username);
        properties.put("spring.datasource.password", this.password);
        return properties;
    }

    @Override
    public void close() {
        if (this.container != null) {
            this.container.stop();
        }
    }

}
