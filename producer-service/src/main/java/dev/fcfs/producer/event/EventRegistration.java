package dev.fcfs.producer.event;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Makes events known to the accept path in Redis ({@code register_event.lua}): when they are created, and again
 * whenever Redis turns out not to know one, which is how the accept path recovers from a Redis that lost its data.
 */
@Component
public class EventRegistration {

    /** How long an id PostgreSQL does not know is answered 404 without asking it again. */
    static final Duration UNKNOWN_FOR = Duration.ofSeconds(1);

    private final EventRepository events;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    /**
     * Ids PostgreSQL did not know within the last second. Requests for an event that does not exist (a stale link,
     * a typo, a scanner) then cost PostgreSQL one query per id and second instead of one per request; measured
     * before this, each cost the producer 448 µs of CPU, against 76 µs for a valid request to the no-op endpoint.
     * Bounded, so that requests for many ids cannot grow it.
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
     * Registers an event PostgreSQL knows but Redis does not, with its position counter resumed after the last
     * position PostgreSQL has decided or Redis still has pending, so that no position is handed out twice, and with
     * its sold-out state. Harmless if the event is already
     * registered: the script then leaves it untouched.
     * @return false if PostgreSQL does not know the event either
     * @throws org.springframework.dao.DataAccessException if Redis or PostgreSQL cannot be reached
     */
    public boolean restore(long eventId) {
        if (this.unknown.getIfPresent(eventId) != null) {
            return false;
        }
        Optional<Event> event = this.events.findById(eventId);
        event.ifPresentOrElse(this::register, () -> this.unknown.put(eventId, Boolean.TRUE));
        return event.isPresent();
    }

    void register(Event event) {
        long id = event.getId();
        this.unknown.invalidate(id);
        this.redis.execute(ReservationScripts.REGISTER_EVENT,
                List.of(this.keys.event(id), this.keys.pending(this.keys.shardOf(id))),
                Integer.toString(event.getCapacity()), Long.toString(event.getLastPosition()),
                event.isSoldOut() ? "1" : "0", Long.toString(id));
    }

}
