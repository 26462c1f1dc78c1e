package dev.fcfs.consumer.decision;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.transaction.CannotCreateTransactionException;

import static org.assertj.core.api.Assertions.assertThat;

class DecisionFailureTests {

    @Test
    void dataExceptionIsADataErrorWithPostgresOwnMessage() {
        PSQLException refused = new PSQLException(
                new ServerErrorMessage("SERROR\0C22008\0Mtimestamp out of range: \"318857-05-20 17:46:39.999\"\0"
                        + "Wunnamed portal parameter $1 = '...'\0"));

        DecisionFailure failure = DecisionFailure.of(new UncategorizedSQLException("decide", "INSERT ...", refused));

        assertThat(failure.dataError()).isTrue();
        assertThat(failure.sqlState()).isEqualTo("22008");
        assertThat(failure.message()).isEqualTo("timestamp out of range: \"318857-05-20 17:46:39.999\"");
    }

    @Test
    void integrityViolationIsADataError() {
        SQLException violation = new SQLException("duplicate key value violates unique constraint", "23505");

        assertThat(DecisionFailure.of(new DataIntegrityViolationException("insert", violation)).dataError()).isTrue();
    }

    @Test
    void findsTheStateInTheNextExceptionOfABatch() {
        BatchUpdateException batch = new BatchUpdateException("batch entry 0 failed", null, new int[0]);
        batch.setNextException(new SQLException("new row violates check constraint", "23514"));

        assertThat(DecisionFailure.of(new UncategorizedSQLException("update", "UPDATE ...", batch)))
            .extracting(DecisionFailure::dataError, DecisionFailure::sqlState)
            .containsExactly(true, "23514");
    }

    @Test
    void outagesAndTransientFailuresAreNoDataErrors() {
        assertThat(DecisionFailure.of(withState("08006")).dataError()).as("connection failure").isFalse();
        assertThat(DecisionFailure.of(withState("57P01")).dataError()).as("admin shutdown").isFalse();
        assertThat(DecisionFailure.of(withState("53300")).dataError()).as("too many connections").isFalse();
        assertThat(DecisionFailure.of(withState("40001")).dataError()).as("serialization failure").isFalse();
        assertThat(DecisionFailure.of(withState("40P01")).dataError()).as("deadlock").isFalse();
        assertThat(DecisionFailure.of(new CannotCreateTransactionException("no connection",
                new SQLTransientConnectionException("HikariPool-1 - Connection is not available"))).dataError())
            .as("pool exhausted").isFalse();
        assertThat(DecisionFailure.of(new RedisConnectionFailureException("refused")).dataError()).as("redis")
            .isFalse();
        assertThat(DecisionFailure.of(new IllegalStateException("a bug")).dataError()).as("unknown").isFalse();
    }

    @Test
    void aStatementWrongForEveryJobIsNoDataError() {
        // splitting would dead-letter every good job one by one: retried instead, and the shard shows as stuck
        assertThat(DecisionFailure.of(withState("42703")).dataError()).isFalse();
    }

    @Test
    void trimsAVeryLongMessage() {
        SQLException longOne = new SQLException("value too long: " + "x".repeat(2000), "22001");

        assertThat(DecisionFailure.of(longOne).message()).hasSize(DecisionFailure.MAX_MESSAGE_LENGTH).endsWith("…");
    }

    private static RuntimeException withState(String sqlState) {
        return new UncategorizedSQLException("decide", "SQL", new SQLException("failed", sqlState));
    }

}
