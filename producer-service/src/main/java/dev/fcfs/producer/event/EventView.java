package dev.fcfs.producer.event;

/**
 * An event as the API shows it.
 *
 * @param id the event id
 * @param name its name
 * @param capacity number of seats
 * @param reserved seats confirmed so far (committed decisions only)
 * @param remaining {@code capacity - reserved}
 */
record EventView(long id, String name, int capacity, int reserved, int remaining) {

    static EventView of(Event event) {
        return new EventView(event.getId(), event.getName(), event.getCapacity(), event.getReserved(),
                event.getCapacity() - event.getReserved());
    }

}
