package dev.fcfs.producer.event;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An event as the API shows it.
 *
 * @param id the event id
 * @param name its name
 * @param capacity number of seats
 * @param reserved seats confirmed so far (committed decisions only)
 * @param remaining {@code capacity - reserved}
 * @param opensAt when reservations open; null: open since creation
 * @param closesAt when reservations close; null: open until sold out
 */
record EventView(long id, String name, int capacity, int reserved, int remaining, @Nullable Instant opensAt,
        @Nullable Instant closesAt) {

    static EventView of(Event event) {
        SaleWindow window = event.getWindow();
        return new EventView(event.getId(), event.getName(), event.getCapacity(), event.getReserved(),
                event.getCapacity() - event.getReserved(), window.opensAt(), window.closesAt());
    }

}
