package dev.fcfs.consumer.decision;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Issues the fencing token of a shard in PostgreSQL, where the decisions it guards are committed. */
@Component
public class FencingTokens {

    private final JdbcTemplate jdbc;

    FencingTokens(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Makes the caller the newest owner of a shard: increments its token, which at once disqualifies every
     * earlier owner's next decision transaction.
     * @return the caller's token, to pass to {@link BatchDecider#decide}
     */
    public long takeOver(int shard, String owner) {
        Long token = this.jdbc.queryForObject("""
                INSERT INTO shard_leases (shard, fencing_token, owner, acquired_at) VALUES (?, 1, ?, now())
                ON CONFLICT (shard) DO UPDATE
                   SET fencing_token = shard_leases.fencing_token + 1, owner = EXCLUDED.owner, acquired_at = now()
                RETURNING fencing_token""", Long.class, shard, owner);
        if (token == null) {
            throw new IllegalStateException("no fencing token returned for shard " + shard);
        }
        return token;
    }

}
