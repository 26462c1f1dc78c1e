package dev.fcfs.producer.event;

import java.net.URI;

import jakarta.validation.Valid;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /events}: create an event, read its counts. */
@RestController
@RequestMapping("/events")
class EventController {

    private final EventService events;

    EventController(EventService events) {
        this.events = events;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<EventView> create(@Valid @RequestBody CreateEventRequest request) {
        EventView event = this.events.create(request.name(), request.capacity());
        return ResponseEntity.created(URI.create("/events/" + event.id())).body(event);
    }

    @GetMapping("/{eventId}")
    EventView get(@PathVariable long eventId) {
        return this.events.find(eventId);
    }

}
