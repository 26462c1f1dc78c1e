package dev.fcfs.consumer.decision;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.fcfs.consumer.decision.BatchOutcome.Decision;
import dev.fcfs.consumer.decision.BatchOutcome.Undecidable;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.RejectionReason;
import dev.fcfs.shared.reservation.ReservationStatus;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Decides a batch of jobs of one shard in one PostgreSQL transaction, strictly in the order given (oldest first).
 *
 * <p>Set-based: a fixed number of statements per batch whatever its size. The rules are the product: a user's
 * first request for an event gets the next seat while seats remain, else SOLD_OUT; every later request of that
 * user for that event is a DUPLICATE. The schema enforces the same rules, so a bug here fails the transaction
 * instead of overselling.
 */
@Component
public class BatchDecider {

    private final JdbcTemplate jdbc;

    private final TransactionTemplate transactions;

    BatchDecider(JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /**
     * Decides and commits the batch.
     * @param shard the shard the jobs came from
     * @param fencingToken the token this worker got when it took the shard
     * @param jobs decoded jobs, oldest first
     * @throws LeaseLostException if another consumer has taken the shard since (nothing is written)
     */
    public BatchOutcome decide(int shard, long fencingToken, List<ReservationJob> jobs) {
        return this.transactions.execute((status) -> this.jdbc.execute(
                (ConnectionCallback<BatchOutcome>) (connection) -> decideInTransaction(connection, shard,
                        fencingToken, jobs)));
    }

    private BatchOutcome decideInTransaction(Connection connection, int shard, long fencingToken,
            List<ReservationJob> jobs) throws SQLException {
        checkFencingToken(connection, shard, fencingToken);
        Set<UUID> decidedBefore = alreadyDecided(connection, jobs);
        Map<Long, EventState> events = lockEvents(connection, jobs);
        Set<UserKey> usersInLine = usersWithFirstRequest(connection, jobs);

        List<Decision> decided = new ArrayList<>();
        List<ReservationJob> replays = new ArrayList<>();
        Set<UUID> decidedNow = new HashSet<>();
        List<Undecidable> undecidable = new ArrayList<>();
        for (ReservationJob job : jobs) {
            EventState event = events.get(job.eventId());
            // add(): the same id twice in one batch is a replay too, never a second decision
            if (decidedBefore.contains(job.reservationId()) || !decidedNow.add(job.reservationId())) {
                replays.add(job);
            }
            else if (event == null) {
                undecidable.add(new Undecidable(job, "event " + job.eventId() + " does not exist in PostgreSQL"));
            }
            else if (job.position() <= event.lastPosition) {
                // Only possible if Redis went back in time (an old snapshot restored): deciding it now would break
                // first-come order, so it is parked for an operator instead.
                undecidable.add(new Undecidable(job, "position " + job.position() + " of event " + job.eventId()
                        + " is not after the last decided position " + event.lastPosition));
            }
            else {
                decided.add(decideOne(job, event, usersInLine));
            }
        }
        insertReservations(connection, decided, events);
        updateEvents(connection, events.values());
        List<Long> soldOut = events.values().stream().filter((event) -> event.reserved >= event.capacity)
            .map((event) -> event.id).toList();
        return new BatchOutcome(decided, replays, undecidable, soldOut);
    }

    private static Decision decideOne(ReservationJob job, EventState event, Set<UserKey> usersInLine) {
        event.lastPosition = job.position();
        event.touched = true;
        if (!usersInLine.add(new UserKey(job.eventId(), job.userId()))) {
            return new Decision(job, ReservationStatus.REJECTED, RejectionReason.DUPLICATE, null);
        }
        if (event.reserved < event.capacity) {
            event.reserved++;
            return new Decision(job, ReservationStatus.CONFIRMED, null, event.reserved);
        }
        return new Decision(job, ReservationStatus.REJECTED, RejectionReason.SOLD_OUT, null);
    }

    /** Takes the shard's lease row lock and proves this worker still holds the newest token. */
    private static void checkFencingToken(Connection connection, int shard, long token) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE shard_leases SET fencing_token = fencing_token WHERE shard = ? AND fencing_token = ?")) {
            statement.setInt(1, shard);
            statement.setLong(2, token);
            if (statement.executeUpdate() != 1) {
                throw new LeaseLostException(shard, token);
            }
        }
    }

    private static Set<UUID> alreadyDecided(Connection connection, List<ReservationJob> jobs) throws SQLException {
        Object[] ids = jobs.stream().map((job) -> job.reservationId()).toArray();
        Set<UUID> found = new HashSet<>();
        // one primary-key look-up per job (LATERAL): never a scan of the table, whatever its statistics say
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT r.id FROM unnest(?::uuid[]) AS wanted(id)
                CROSS JOIN LATERAL (SELECT id FROM reservations WHERE id = wanted.id) AS r""")) {
            statement.setArray(1, connection.createArrayOf("uuid", ids));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return found;
    }

    private static Map<Long, EventState> lockEvents(Connection connection, List<ReservationJob> jobs)
            throws SQLException {
        Object[] eventIds = jobs.stream().map((job) -> job.eventId()).distinct().toArray();
        Map<Long, EventState> events = new HashMap<>();
        // ORDER BY id: a stable lock order, whoever else locks several events
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT id, capacity, reserved, last_position FROM events WHERE id = ANY(?) ORDER BY id FOR UPDATE")) {
            statement.setArray(1, connection.createArrayOf("bigint", eventIds));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    events.put(rows.getLong(1),
                            new EventState(rows.getLong(1), rows.getInt(2), rows.getInt(3), rows.getLong(4)));
                }
            }
        }
        return events;
    }

    /**
     * The batch's (event, user) pairs that already have a first request committed, i.e. a CONFIRMED or SOLD_OUT row.
     */
    private static Set<UserKey> usersWithFirstRequest(Connection connection, List<ReservationJob> jobs)
            throws SQLException {
        Set<UserKey> wanted = new LinkedHashSet<>();
        for (ReservationJob job : jobs) {
            wanted.add(new UserKey(job.eventId(), job.userId()));
        }
        Object[] eventIds = wanted.stream().map(UserKey::eventId).toArray();
        Object[] userIds = wanted.stream().map(UserKey::userId).toArray();
        Set<UserKey> found = new HashSet<>();
        // One look-up per (event, user) in the partial unique index reservations_first_request_per_user, whose
        // predicate this matches. LATERAL keeps it a look-up: as a plain join, PostgreSQL may choose a sort-merge
        // join over a sequential scan of the whole table while its statistics lag behind a fast-growing table.
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT r.event_id, r.user_id FROM unnest(?::bigint[], ?::varchar[]) AS wanted(event_id, user_id)
                CROSS JOIN LATERAL (
                    SELECT event_id, user_id FROM reservations
                    WHERE event_id = wanted.event_id AND user_id = wanted.user_id
                      AND reason IS DISTINCT FROM 'DUPLICATE') AS r""")) {
            statement.setArray(1, connection.createArrayOf("bigint", eventIds));
            statement.setArray(2, connection.createArrayOf("varchar", userIds));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(new UserKey(rows.getLong(1), rows.getString(2)));
                }
            }
        }
        return found;
    }

    private static void insertReservations(Connection connection, List<Decision> decisions,
            Map<Long, EventState> events) throws SQLException {
        if (decisions.isEmpty()) {
            return;
        }
        int size = decisions.size();
        Object[] ids = new Object[size];
        Object[] eventIds = new Object[size];
        Object[] capacities = new Object[size];
        Object[] userIds = new Object[size];
        Object[] positions = new Object[size];
        Object[] statuses = new Object[size];
        Object[] reasons = new Object[size];
        Object[] seats = new Object[size];
        Object[] acceptedAt = new Object[size];
        for (int i = 0; i < size; i++) {
            Decision decision = decisions.get(i);
            ReservationJob job = decision.job();
            ids[i] = job.reservationId();
            eventIds[i] = job.eventId();
            capacities[i] = events.get(job.eventId()).capacity;
            userIds[i] = job.userId();
            positions[i] = job.position();
            statuses[i] = decision.status().name();
            reasons[i] = (decision.reason() != null) ? decision.reason().name() : null;
            seats[i] = decision.seatNumber();
            acceptedAt[i] = Timestamp.from(job.acceptedAt());
        }
        // one statement for the whole batch, whatever its size
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO reservations
                    (id, event_id, event_capacity, user_id, position, status, reason, seat_number, accepted_at)
                SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::integer[], ?::varchar[], ?::bigint[],
                                     ?::varchar[], ?::varchar[], ?::integer[], ?::timestamptz[])""")) {
            statement.setArray(1, connection.createArrayOf("uuid", ids));
            statement.setArray(2, connection.createArrayOf("bigint", eventIds));
            statement.setArray(3, connection.createArrayOf("integer", capacities));
            statement.setArray(4, connection.createArrayOf("varchar", userIds));
            statement.setArray(5, connection.createArrayOf("bigint", positions));
            statement.setArray(6, connection.createArrayOf("varchar", statuses));
            statement.setArray(7, connection.createArrayOf("varchar", reasons));
            statement.setArray(8, connection.createArrayOf("integer", seats));
            statement.setArray(9, connection.createArrayOf("timestamptz", acceptedAt));
            statement.executeUpdate();
        }
    }

    private static void updateEvents(Connection connection, Iterable<EventState> events) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                UPDATE events SET reserved = ?, last_position = ?,
                    sold_out_at = CASE WHEN ? >= capacity THEN COALESCE(sold_out_at, now()) ELSE sold_out_at END
                WHERE id = ?""")) {
            boolean any = false;
            for (EventState event : events) {
                if (event.touched) {
                    statement.setInt(1, event.reserved);
                    statement.setLong(2, event.lastPosition);
                    statement.setInt(3, event.reserved);
                    statement.setLong(4, event.id);
                    statement.addBatch();
                    any = true;
                }
            }
            if (any) {
                statement.executeBatch();
            }
        }
    }

    /** An event's row as locked by this transaction, updated in memory while the batch is walked. */
    private static final class EventState {

        final long id;

        final int capacity;

        int reserved;

        long lastPosition;

        boolean touched;

        EventState(long id, int capacity, int reserved, long lastPosition) {
            this.id = id;
            this.capacity = capacity;
            this.reserved = reserved;
            this.lastPosition = lastPosition;
        }

    }

    private record UserKey(long eventId, String userId) {
    }

}
