package dev.fcfs.producer.event;

import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Body of {@code PATCH /events/{id}}, read as a JSON merge patch (RFC 7396) of the sale window: a field that is
 * absent keeps its value, a field that is {@code null} removes the bound ({@code opensAt}: open at once,
 * {@code closesAt}: no closing), a field with an instant sets it. Read from a map because a record cannot tell an
 * absent field from a null one.
 */
final class WindowPatch {

    private static final Set<String> FIELDS = Set.of("opensAt", "closesAt");

    private final Map<String, Object> fields;

    private WindowPatch(Map<String, Object> fields) {
        this.fields = fields;
    }

    /**
     * @throws InvalidWindowException for an unknown field, a value that is neither a string nor null, or an empty
     * patch
     */
    static WindowPatch of(Map<String, Object> body) {
        InvalidWindowException invalid = new InvalidWindowException();
        body.forEach((field, value) -> {
            if (!FIELDS.contains(field)) {
                invalid.add(field, "unknown property: only opensAt and closesAt can be changed");
            }
            else if (value != null && !(value instanceof String)) {
                invalid.add(field, "must be an ISO-8601 instant with an offset, or null");
            }
        });
        if (body.isEmpty()) {
            invalid.add("opensAt", "give opensAt, closesAt or both");
        }
        if (invalid.hasErrors()) {
            throw invalid;
        }
        return new WindowPatch(body);
    }

    /** The window after this patch: the fields given replace, the others keep {@code current}'s. */
    SaleWindow applyTo(SaleWindow current) {
        SaleWindow given = SaleWindow.parse(text("opensAt"), text("closesAt"));
        return SaleWindow.checked(new SaleWindow(
                this.fields.containsKey("opensAt") ? given.opensAt() : current.opensAt(),
                this.fields.containsKey("closesAt") ? given.closesAt() : current.closesAt()));
    }

    private @Nullable String text(String field) {
        return (String) this.fields.get(field);
    }

}
