package dev.fcfs.consumer.decision;

import java.sql.SQLException;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import org.springframework.dao.DataIntegrityViolationException;

/**
 * Why a batch transaction failed, as far as the worker must care: a data error that the same jobs will hit again
 * on every attempt (one of them is poison), or anything else (a server unreachable, restarting or overloaded, a
 * serialization failure or deadlock, a bug we cannot judge), which is retried as it is.
 *
 * <p>Judged by PostgreSQL's SQLState, the only stable signal: class 22 (data exception: a value out of range, an
 * invalid text representation) and class 23 (integrity constraint violation) depend on the rows written, so
 * deciding the jobs one by one finds the one responsible. Every other class — 08 connection, 40 transaction
 * rollback, 53 insufficient resources, 57 operator intervention (shutdown, cancel), 42 a statement the code got
 * wrong for every job alike — says nothing about a single job, and splitting the batch would only dead-letter
 * good jobs.
 *
 * @param dataError whether the jobs themselves made the transaction fail
 * @param sqlState PostgreSQL's SQLState if one was found, else null
 * @param message PostgreSQL's own message (without the driver's "ERROR:" and parameter details), else the
 * exception's, trimmed to {@value #MAX_MESSAGE_LENGTH} characters
 */
public record DecisionFailure(boolean dataError, String sqlState, String message) {

    /** Longest message kept: it goes into a dead-letter entry in Redis and a log line. */
    public static final int MAX_MESSAGE_LENGTH = 500;

    /** Classifies an exception thrown by {@link BatchDecider#decide}. */
    public static DecisionFailure of(Throwable failure) {
        SQLException sql = findSqlState(failure);
        if (sql != null) {
            String state = sql.getSQLState();
            boolean dataError = state.startsWith("22") || state.startsWith("23");
            return new DecisionFailure(dataError, state, trim(serverMessage(sql)));
        }
        // a constraint Spring recognised without an SQLState we could read (not expected with PostgreSQL)
        boolean dataError = failure instanceof DataIntegrityViolationException;
        return new DecisionFailure(dataError, null, trim(String.valueOf(failure)));
    }

    /** The first SQLException with an SQLState in the cause chain, following batch "next exceptions" too. */
    private static SQLException findSqlState(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
            if (cause instanceof SQLException sql) {
                for (SQLException next = sql; next != null; next = next.getNextException()) {
                    if (next.getSQLState() != null && !next.getSQLState().isEmpty()) {
                        return next;
                    }
                }
            }
        }
        return null;
    }

    private static String serverMessage(SQLException sql) {
        if (sql instanceof PSQLException psql) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            if (server != null && server.getMessage() != null) {
                return server.getMessage();
            }
        }
        return String.valueOf(sql.getMessage());
    }

    private static String trim(String message) {
        String oneLine = message.strip();
        return (oneLine.length() <= MAX_MESSAGE_LENGTH) ? oneLine : oneLine.substring(0, MAX_MESSAGE_LENGTH - 1) + "…";
    }

}
