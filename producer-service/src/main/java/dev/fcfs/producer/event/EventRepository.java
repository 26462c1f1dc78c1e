package dev.fcfs.producer.event;

import java.util.Optional;

import org.springframework.data.repository.Repository;

/** Only what the producer does with events: create them and read them. */
interface EventRepository extends Repository<Event, Long> {

    Event save(Event event);

    Optional<Event> findById(Long id);

}
