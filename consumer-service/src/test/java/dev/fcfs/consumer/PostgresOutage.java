package dev.fcfs.consumer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import com.zaxxer.hikari.HikariDataSource;

/**
 * Makes the test's database unreachable for its clients without stopping the shared server: new connections are
 * refused ({@code ALLOW_CONNECTIONS false}) and open ones are terminated, until {@link #close()}.
 */
final class PostgresOutage implements AutoCloseable {

    private final String adminUrl;

    private final String user;

    private final String password;

    private final String database;

    private PostgresOutage(HikariDataSource dataSource, String database) {
        String url = dataSource.getJdbcUrl();
        int slash = url.lastIndexOf('/');
        int query = url.indexOf('?', slash);
        this.adminUrl = url.substring(0, slash + 1) + "postgres" + ((query >= 0) ? url.substring(query) : "");
        this.user = dataSource.getUsername();
        this.password = dataSource.getPassword();
        this.database = database;
    }

    static PostgresOutage begin(HikariDataSource dataSource, String database) {
        PostgresOutage outage = new PostgresOutage(dataSource, database);
        outage.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
        outage.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database
                + "' AND pid <> pg_backend_pid()");
        return outage;
    }

    @Override
    public void close() {
        execute("ALTER DATABASE " + this.database + " ALLOW_CONNECTIONS true");
    }

    private void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(this.adminUrl, this.user, this.password);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(sql, ex);
        }
    }

}
