package dev.fcfs.consumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.reservation.ReservationId;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/** Plays the producer's part in consumer tests: creates events and queues requests with the real scripts. */
final class QueueFixture {

    private static final JobCodec CODEC = new JobCodec();

    private final JdbcTemplate jdbc;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    QueueFixture(JdbcTemplate jdbc, StringRedisTemplate redis, QueueKeys keys) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.keys = keys;
    }

    /** Creates an event in PostgreSQL and registers it in Redis, as POST /events does. */
    long createEvent(int capacity) {
        Long id = this.jdbc.queryForObject("INSERT INTO events (name, capacity) VALUES ('test', ?) RETURNING id",
                Long.class, capacity);
        this.redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(id)), Integer.toString(capacity),
                "0");
        return id;
    }

    /** Queues one request with enqueue.lua and returns the job as the worker will read it. */
    String enqueue(long eventId, String userId) {
        return enqueueAll(eventId, userId).get(0);
    }

    /**
     * Queues the requests in one enqueue.lua run, as the producer does with requests that arrive together, and
     * returns the jobs in position order. One run is atomic, so a worker deciding meanwhile cannot mark the
     * event sold out between two of them and turn the later ones away at the door.
     */
    List<String> enqueueAll(long eventId, String... userIds) {
        List<EnqueueBatch.Request> requests = new ArrayList<>();
        for (String userId : userIds) {
            requests.add(new EnqueueBatch.Request(ReservationId.newFor(eventId), eventId, userId, null));
        }
        EnqueueBatch batch = EnqueueBatch.of(this.keys, requests);
        List<String> reply = this.redis.execute(ReservationScripts.ENQUEUE, List.of(batch.keys()),
                (Object[]) batch.args(60, OptionalLong.empty()));
        List<String> jobs = new ArrayList<>();
        for (EnqueueBatch.Outcome outcome : batch.outcomes(reply)) {
            if (outcome.status() != EnqueueBatch.Status.ACCEPTED || outcome.job() == null) {
                throw new IllegalStateException("not accepted: " + reply);
            }
            // encoded from the script's answer rather than read back: the worker may already have taken the job
            jobs.add(CODEC.encode(outcome.job()));
        }
        return jobs;
    }

    /** Committed decisions of an event in position order: user, status, reason, seat. */
    List<Map<String, Object>> decisions(long eventId) {
        return this.jdbc.queryForList("SELECT user_id, position, status, reason, seat_number FROM reservations "
                + "WHERE event_id = ? ORDER BY position", eventId);
    }

    int decidedCount(long eventId) {
        Integer count = this.jdbc.queryForObject("SELECT count(*) FROM reservations WHERE event_id = ?", Integer.class,
                eventId);
        return (count != null) ? count : 0;
    }

}
