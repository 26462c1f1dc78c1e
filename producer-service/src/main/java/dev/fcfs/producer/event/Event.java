package dev.fcfs.producer.event;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A row of {@code events}. The producer creates events and reads them; {@code reserved} and
 * {@code last_position} belong to the consumer, so they are mapped read-only and this service can never write
 * over the consumer's counts.
 */
@Entity
@Table(name = "events")
class Event {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(nullable = false)
    private int capacity;

    @Column(nullable = false, insertable = false, updatable = false)
    private int reserved;

    @Column(name = "last_position", nullable = false, insertable = false, updatable = false)
    private long lastPosition;

    @Column(name = "sold_out_at", insertable = false, updatable = false)
    private Instant soldOutAt;

    @Column(name = "opens_at")
    private Instant opensAt;

    @Column(name = "closes_at")
    private Instant closesAt;

    /** Written by {@link EventRepository#raiseResumedPosition} only, never through the entity. */
    @Column(name = "resumed_position", nullable = false, insertable = false, updatable = false)
    private long resumedPosition;

    protected Event() {
    }

    Event(String name, int capacity, SaleWindow window) {
        this.name = name;
        this.capacity = capacity;
        this.opensAt = window.opensAt();
        this.closesAt = window.closesAt();
    }

    Long getId() {
        return this.id;
    }

    String getName() {
        return this.name;
    }

    int getCapacity() {
        return this.capacity;
    }

    int getReserved() {
        return this.reserved;
    }

    /** Whether the consumer has committed the last seat. */
    boolean isSoldOut() {
        return this.soldOutAt != null;
    }

    long getLastPosition() {
        return this.lastPosition;
    }

    /**
     * The highest position counter Redis was restored at after losing the event: positions handed out since are
     * above it, decided or not.
     */
    long getResumedPosition() {
        return this.resumedPosition;
    }

    SaleWindow getWindow() {
        return new SaleWindow(this.opensAt, this.closesAt);
    }

    void setWindow(SaleWindow window) {
        this.opensAt = window.opensAt();
        this.closesAt = window.closesAt();
    }

}
