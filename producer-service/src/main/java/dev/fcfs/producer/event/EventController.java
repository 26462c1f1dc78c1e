package dev.fcfs.producer.event;

import java.net.URI;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /events}: create an event, read its counts and sale window, move the window before it opens. */
@RestController
@RequestMapping("/events")
class EventController {

    private final EventService events;

    EventController(EventService events) {
        this.events = events;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<EventView> create(@Valid @RequestBody CreateEventRequest request) {
        SaleWindow window = SaleWindow.parse(request.opensAt(), request.closesAt());
        EventView event = this.events.create(request.name(), request.capacity(), window);
        return ResponseEntity.created(URI.create("/events/" + event.id())).body(event);
    }

    @GetMapping("/{eventId}")
    EventView get(@PathVariable long eventId) {
        return this.events.find(eventId);
    }

    /** Admin only (see {@code AdminConfiguration}); a JSON merge patch of the window ({@link WindowPatch}). */
    @PatchMapping(path = "/{eventId}", consumes = { MediaType.APPLICATION_JSON_VALUE, "application/merge-patch+json" })
    EventView updateWindow(@PathVariable long eventId,
            @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    schema = @Schema(implementation = WindowPatchSchema.class)))
            @RequestBody Map<String, Object> body) {
        return this.events.updateWindow(eventId, WindowPatch.of(body));
    }

    /**
     * The shape of a window patch, for the OpenAPI description only.
     *
     * @param opensAt ISO-8601 instant with an offset; null: open at once; absent: unchanged
     * @param closesAt ISO-8601 instant with an offset, after opensAt; null: no closing; absent: unchanged
     */
    @Schema(name = "WindowPatch")
    record WindowPatchSchema(@Schema(format = "date-time", nullable = true) String opensAt,
            @Schema(format = "date-time", nullable = true) String closesAt) {
    }

}
