package dev.fcfs.producer.event;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.QueueLimits;
import dev.fcfs.shared.queue.ReservationScripts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Makes events known to the accept path in Redis ({@code register_event.lua}): when they are created, and again
 * whenever Redis turns out not to know one, which is how the accept path recovers from a Redis that lost its data.
 */
@Component
public class EventRegistration {

    private static final Logger log = LoggerFactory.getLogger(EventRegistration.class);

    /** How long an id PostgreSQL does not know is answered 404 without asking it again. */
    static final Duration UNKNOWN_FOR = Duration.ofSeconds(1);

    private final EventRepository events;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    /**
     * Ids PostgreSQL did not know within the last second. Requests for an event that does not exist (a stale link,
     * a typo, a scanner) then cost PostgreSQL one query per id and second instead of one per request. Bounded, so
     * that requests for many ids cannot grow it.
     */
    private final Cache<Long, Boolean> unknown = Caffeine.newBuilder()
        .maximumSize(10_000)
        .expireAfterWrite(UNKNOWN_FOR)
        .executor(Runnable::run)
        .build();

    EventRegistration(EventRepository events, StringRedisTemplate redis, QueueKeys keys) {
        this.events = events;
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * Registers an event PostgreSQL knows but Redis does not, with its sale window and sold-out state, and with its
     * position counter resumed above every position that may still be in use, so that no position is ever handed out
     * twice. Harmless if the event is already registered: it is then left untouched.
     *
     * <p>The counter resumes at {@code max(last_position, resumed_position) + backlog + MAX_BATCH_SIZE}, all O(1):
     * the worker decides a shard strictly in queue order, so every position of the event that was handed out but is
     * not decided is above the last decided one, and its job is in the shard's pending hash or dead-letter list
     * (the backlog, counted by {@code shard_backlog.lua}) or in the one batch the worker holds in memory (at most
     * {@link QueueLimits#MAX_BATCH_SIZE}). {@code resumed_position} covers a second loss before any position handed
     * out after the first is decided. The backlog is counted before PostgreSQL is read: a job the worker decides in
     * between leaves the backlog but raises {@code last_position}. The event's positions then have a gap, which is
     * fine: the service promises their order, not that they are consecutive.
     * @return false if PostgreSQL does not know the event either
     * @throws org.springframework.dao.DataAccessException if Redis or PostgreSQL cannot be reached
     */
    public boolean restore(long eventId) {
        if (this.unknown.getIfPresent(eventId) != null) {
            return false;
        }
        if (this.events.findById(eventId).isEmpty()) {
            this.unknown.put(eventId, Boolean.TRUE);
            return false;
        }
        int shard = this.keys.shardOf(eventId);
        Long backlog = this.redis.execute(ReservationScripts.SHARD_BACKLOG,
                List.of(this.keys.event(eventId), this.keys.pending(shard), this.keys.deadLetter(shard)));
        if (backlog == null || backlog < 0) {
            // registered meanwhile (by another request or producer): nothing to restore
            return true;
        }
        // read again, after the backlog was counted (see above)
        Optional<Event> event = this.events.findById(eventId);
        if (event.isEmpty()) {
            return false;
        }
        long seq = Math.max(event.get().getLastPosition(), event.get().getResumedPosition()) + backlog
                + QueueLimits.MAX_BATCH_SIZE;
        // recorded before Redis hands out any of these positions: should Redis lose the event again before one of
        // them is decided, the next restore resumes above them
        this.events.raiseResumedPosition(eventId, seq);
        if (register(event.get(), seq)) {
            log.info("Event {} restored in Redis: positions resume after {} (last decided {}, {} jobs of shard {} "
                    + "unacknowledged)", eventId, seq, event.get().getLastPosition(), backlog, shard);
        }
        return true;
    }

    /** Registers a new event: nothing of it can be decided or pending, so its counter starts at 0. */
    void register(Event event) {
        register(event, 0);
    }

    private boolean register(Event event, long seq) {
        long id = event.getId();
        this.unknown.invalidate(id);
        SaleWindow window = event.getWindow();
        Long registered = this.redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(id)),
                Integer.toString(event.getCapacity()), Long.toString(seq), event.isSoldOut() ? "1" : "0",
                window.opensAtMillis(), window.closesAtMillis());
        return registered != null && registered == 1;
    }

}
