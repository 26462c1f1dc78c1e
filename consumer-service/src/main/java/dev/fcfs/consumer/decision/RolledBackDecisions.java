package dev.fcfs.consumer.decision;

import java.util.List;

import dev.fcfs.shared.job.ReservationJob;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The real batch decision, for the start-up warm-up: on an event row and a fencing row that exist only inside a
 * transaction that is always rolled back, so that nothing of it is ever visible to anyone else, even if the process
 * dies half-way.
 */
@Component
public class RolledBackDecisions {

    private final BatchDecider decider;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate transactions;

    RolledBackDecisions(BatchDecider decider, JdbcTemplate jdbc, TransactionTemplate transactions) {
        this.decider = decider;
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /**
     * Decides the jobs, all for {@code eventId}, as {@link BatchDecider#decide} does, then rolls everything back.
     * @param eventId an id no real event has; its row is created inside the transaction with {@code capacity}
     * @param shard a shard number no real shard has (negative); its fencing row too
     */
    public BatchOutcome decideAndRollBack(long eventId, int capacity, int shard, List<ReservationJob> jobs) {
        return this.transactions.execute((status) -> {
            // the outer transaction's own flag: the decider's transaction joins this one and commits nothing
            status.setRollbackOnly();
            this.jdbc.update("INSERT INTO events (id, name, capacity) VALUES (?, 'warm-up', ?)", eventId, capacity);
            this.jdbc.update("INSERT INTO shard_leases (shard, fencing_token, owner) VALUES (?, 1, 'warm-up')", shard);
            return this.decider.decide(shard, 1, jobs);
        });
    }

}
