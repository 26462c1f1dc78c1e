package dev.fcfs.producer.event;

import java.time.Instant;
import java.util.List;

import dev.fcfs.producer.web.ServiceUnavailableException;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.reservation.ReservationId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Creates and reads events, and moves the sale window of events that have not opened. */
@Service
class EventService {

    private static final Logger log = LoggerFactory.getLogger(EventService.class);

    private final EventRepository events;

    private final EventRegistration registration;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    private final TransactionTemplate transaction;

    EventService(EventRepository events, EventRegistration registration, StringRedisTemplate redis, QueueKeys keys,
            PlatformTransactionManager transactions) {
        this.events = events;
        this.registration = registration;
        this.redis = redis;
        this.keys = keys;
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * Saves the event, then registers it in Redis. Registration comes after the commit, so Redis never knows an
     * event PostgreSQL does not; if it fails (Redis down), the event still exists and is registered by the first
     * reservation request for it.
     */
    EventView create(String name, int capacity, SaleWindow window) {
        Event event = this.transaction.execute((status) -> {
            Event saved = this.events.save(new Event(name, capacity, window));
            if (saved.getId() < 1 || saved.getId() > ReservationId.MAX_EVENT_ID) {
                // reservation ids carry the event id in 48 bits: such an event could never take a reservation
                throw new IllegalStateException(
                        "Event id " + saved.getId() + " outside 1.." + ReservationId.MAX_EVENT_ID);
            }
            return saved;
        });
        try {
            this.registration.register(event);
        }
        catch (DataAccessException ex) {
            log.warn("Event {} created but not registered in Redis ({}); it will be registered on its first "
                    + "reservation request", event.getId(), ex.getMessage());
        }
        return EventView.of(event);
    }

    EventView find(long eventId) {
        checkRange(eventId);
        return this.events.findById(eventId).map(EventView::of).orElseThrow(() -> new EventNotFoundException(eventId));
    }

    /**
     * Moves the sale window of an event that has not opened. Redis judges "not opened" by its clock, atomically with
     * the change ({@code update_window.lua}), inside a transaction that holds the event's row: PostgreSQL keeps the
     * change only if Redis made it, and two changes of one event cannot interleave.
     * @throws WindowAlreadyOpenException if the event has opened (nothing changed)
     * @throws InvalidWindowException if the patch does not parse or the resulting window is out of order
     */
    EventView updateWindow(long eventId, WindowPatch patch) {
        checkRange(eventId);
        // Redis must know the event to judge it: after a Redis data loss, register it again first (a no-op
        // otherwise). Done before the transaction, which will hold the row the restore may write.
        if (!this.registration.restore(eventId)) {
            throw new EventNotFoundException(eventId);
        }
        WindowChange change = new WindowChange();
        try {
            Event updated = this.transaction.execute((status) -> {
                Event event = this.events.findForUpdate(eventId).orElseThrow(() -> new EventNotFoundException(eventId));
                change.before = event.getWindow();
                SaleWindow after = patch.applyTo(change.before);
                applyInRedis(eventId, after);
                change.appliedInRedis = true;
                event.setWindow(after);
                return event;
            });
            log.info("Event {}: sale window changed from {} to {}", eventId, change.before, updated.getWindow());
            return EventView.of(updated);
        }
        catch (RuntimeException ex) {
            if (change.appliedInRedis) {
                revertInRedis(eventId, change.before, ex);
            }
            throw ex;
        }
    }

    private void applyInRedis(long eventId, SaleWindow window) {
        List<String> reply = this.redis.execute(ReservationScripts.UPDATE_WINDOW, List.of(this.keys.event(eventId)),
                window.opensAtMillis(), window.closesAtMillis());
        String status = (reply != null && !reply.isEmpty()) ? reply.get(0) : "";
        switch (status) {
            case "UPDATED" -> {
            }
            case "ALREADY_OPEN" -> throw new WindowAlreadyOpenException(eventId,
                    reply.get(1).isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(reply.get(1))));
            // registered just before: Redis is losing data right now
            default -> throw new ServiceUnavailableException(
                    "Event " + eventId + " is not registered in Redis (" + status + ")");
        }
    }

    /** PostgreSQL did not keep a change Redis made (commit failed): put Redis back, if it has not opened since. */
    private void revertInRedis(long eventId, SaleWindow before, RuntimeException cause) {
        try {
            applyInRedis(eventId, before);
            log.warn("Event {}: sale window change rolled back in PostgreSQL ({}); Redis put back", eventId,
                    cause.toString());
        }
        catch (RuntimeException ex) {
            log.error("Event {}: sale window change rolled back in PostgreSQL but Redis could not be put back to {}: "
                    + "the accept path now follows a window PostgreSQL does not have", eventId, before, ex);
        }
    }

    private static void checkRange(long eventId) {
        if (eventId < 1 || eventId > ReservationId.MAX_EVENT_ID) {
            throw new EventNotFoundException(eventId);
        }
    }

    /** What a window change did so far, for its rollback. */
    private static final class WindowChange {

        SaleWindow before;

        boolean appliedInRedis;

    }

}
