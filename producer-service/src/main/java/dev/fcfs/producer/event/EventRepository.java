package dev.fcfs.producer.event;

import java.util.Optional;

import jakarta.persistence.LockModeType;

import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Only what the producer does with events: create them, read them, and move their sale window. */
interface EventRepository extends Repository<Event, Long> {

    Event save(Event event);

    Optional<Event> findById(Long id);

    /** The event with its row locked until the transaction ends: window changes of one event run one at a time. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("SELECT e FROM Event e WHERE e.id = :id")
    Optional<Event> findForUpdate(@Param("id") Long id);

    /** Records a counter Redis was restored at; never lowers it. */
    @Modifying
    @Transactional
    @Query(value = "UPDATE events SET resumed_position = GREATEST(resumed_position, :position) WHERE id = :id",
            nativeQuery = true)
    int raiseResumedPosition(@Param("id") long id, @Param("position") long position);

}
