package dev.fcfs.consumer.worker;

import java.sql.SQLException;

import io.lettuce.core.RedisCommandTimeoutException;
import org.junit.jupiter.api.Test;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerMetricsTests {

    @Test
    void attributesAFailureToTheServerFoundInItsCauseChain() {
        assertThat(WorkerMetrics.backendOf(new QueryTimeoutException("Redis command timed out",
                new RedisCommandTimeoutException("timed out")))).isEqualTo("redis");
        assertThat(WorkerMetrics.backendOf(new CannotGetJdbcConnectionException("no connection",
                new SQLException("refused")))).isEqualTo("postgres");
        assertThat(WorkerMetrics.backendOf(new IllegalStateException("bug"))).isEqualTo("other");
    }

}
