package dev.fcfs.producer.web;

import java.net.ConnectException;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.orm.jpa.JpaSystemException;
import org.springframework.transaction.TransactionSystemException;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseErrorsTests {

    @Test
    void rollbackFailingOnALostConnectionIsAConnectionFailure() {
        SQLException lost = new SQLException("An I/O error occurred while sending to the backend.", "08006");
        JpaSystemException ex = new JpaSystemException(
                new RuntimeException("Unable to rollback against JDBC Connection", lost));
        assertThat(DatabaseErrors.isConnectionFailure(ex)).isTrue();
    }

    @Test
    void rollbackOnAConnectionThePoolAlreadyClosedIsAConnectionFailure() {
        // what the producer logged while PostgreSQL was stopped (FaultInjectionTests): Hikari's closed-connection proxy
        JpaSystemException ex = new JpaSystemException(
                new RuntimeException("Unable to rollback against JDBC Connection",
                        new SQLException("Connection is closed")));
        assertThat(DatabaseErrors.isConnectionFailure(ex)).isTrue();
    }

    @Test
    void serverShuttingDownOrRefusingConnectionsIsAConnectionFailure() {
        assertThat(DatabaseErrors.isConnectionFailure(new TransactionSystemException("commit failed",
                new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
        assertThat(DatabaseErrors.isConnectionFailure(new JpaSystemException(
                new RuntimeException(new ConnectException("Connection refused"))))).isTrue();
    }

    @Test
    void otherDatabaseErrorsAndNonDatabaseErrorsAreNot() {
        assertThat(DatabaseErrors.isConnectionFailure(new DataIntegrityViolationException("duplicate key",
                new SQLException("duplicate key value", "23505")))).isFalse();
        assertThat(DatabaseErrors.isConnectionFailure(
                new IllegalStateException(new SQLException("lost", "08006")))).isFalse();
    }

}
