package dev.fcfs.producer.event;

import dev.fcfs.shared.reservation.ReservationId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Creates and reads events. */
@Service
class EventService {

    private static final Log log = LogFactory.getLog(EventService.class);

    private final EventRepository events;

    private final EventRegistration registration;

    private final TransactionTemplate transaction;

    EventService(EventRepository events, EventRegistration registration, PlatformTransactionManager transactions) {
        this.events = events;
        this.registration = registration;
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * Saves the event, then registers it in Redis. Registration comes after the commit, so Redis never knows an
     * event PostgreSQL does not; if it fails (Redis down), the event still exists and is registered by the first
     * reservation request for it.
     */
    EventView create(String name, int capacity) {
        Event event = this.transaction.execute((status) -> {
            Event saved = this.events.save(new Event(name, capacity));
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
            log.warn("Event " + event.getId() + " created but not registered in Redis (" + ex.getMessage()
                    + "); it will be registered on its first reservation request");
        }
        return EventView.of(event);
    }

    EventView find(long eventId) {
        if (eventId < 1 || eventId > ReservationId.MAX_EVENT_ID) {
            throw new EventNotFoundException(eventId);
        }
        return this.events.findById(eventId).map(EventView::of).orElseThrow(() -> new EventNotFoundException(eventId));
    }

}
