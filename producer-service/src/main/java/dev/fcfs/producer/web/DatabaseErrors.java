package dev.fcfs.producer.web;

import java.io.EOFException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;

/**
 * Tells a lost or refused database connection apart from other database errors. Spring translates most connection
 * failures into {@code DataAccessResourceFailureException}, but not all: a stale pooled connection that fails while
 * Hibernate rolls back surfaces as {@code JpaSystemException}, for example. Those are an outage (503), not a bug.
 */
final class DatabaseErrors {

    private DatabaseErrors() {
    }

    /** Whether a Spring data-access or transaction exception was caused by the connection to the database. */
    static boolean isConnectionFailure(RuntimeException ex) {
        if (!(ex instanceof DataAccessException) && !(ex instanceof TransactionException)) {
            return false;
        }
        for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
            if (cause instanceof SQLTransientConnectionException || cause instanceof SQLNonTransientConnectionException
                    || cause instanceof SQLRecoverableException || cause instanceof SocketException
                    || cause instanceof EOFException) {
                return true;
            }
            if (cause instanceof SQLException sql
                    && (isConnectionState(sql.getSQLState()) || isClosedByPool(sql))) {
                return true;
            }
        }
        return false;
    }

    /**
     * HikariCP closes a connection as soon as it fails with a connection error, and a later call on it (Hibernate's
     * rollback after the failed query) throws this, without SQLSTATE, hiding the original failure.
     */
    private static boolean isClosedByPool(SQLException ex) {
        return ex.getSQLState() == null && "Connection is closed".equals(ex.getMessage());
    }

    /**
     * SQLSTATE class 08 (connection exception) and PostgreSQL's 57P01-57P03 (server shutting down, crashed, or not
     * yet accepting connections).
     */
    private static boolean isConnectionState(String state) {
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }

}
