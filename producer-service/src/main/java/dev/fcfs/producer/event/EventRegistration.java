package dev.fcfs.producer.event;

import java.util.List;
import java.util.Optional;

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

    private final EventRepository events;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

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
        Optional<Event> event = this.events.findById(eventId);
        event.ifPresent(this::register);
        return event.isPresent();
    }

    void register(Event event) {
        long id = event.getId();
        this.redis.execute(ReservationScripts.REGISTER_EVENT,
                List.of(this.keys.event(id), this.keys.pending(this.keys.shardOf(id))),
                Integer.toString(event.getCapacity()), Long.toString(event.getLastPosition()),
                event.isSoldOut() ? "1" : "0", Long.toString(id));
    }

}
