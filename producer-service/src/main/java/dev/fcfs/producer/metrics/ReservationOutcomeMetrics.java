package dev.fcfs.producer.metrics;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts every reservation request by what became of it, as {@code reservation.requests}
 * [{@code reservation_requests_total}] with tag {@code outcome}: accepted, replayed (an Idempotency-Key retry),
 * sold_out (409), not_open and closed (409 outside the sale window), backpressure (429), not_found (404),
 * bad_input (other 4xx), unavailable (503), error (other 5xx).
 * Judged from the answer, so refusals made anywhere (the body-size filter, JSON binding, validation, the script)
 * are all counted, and the hot path pays one status lookup and one counter increment.
 */
public class ReservationOutcomeMetrics extends OncePerRequestFilter {

    /** Request attribute set by the accept path when it answered with the first reservation of an Idempotency-Key. */
    public static final String REPLAYED = ReservationOutcomeMetrics.class.getName() + ".replayed";

    /**
     * Request attribute set by the accept path when it refused outside the event's sale window: {@code "not_open"}
     * or {@code "closed"} (a 409 without it is a sell-out).
     */
    public static final String WINDOW_REFUSAL = ReservationOutcomeMetrics.class.getName() + ".window";

    /** Request attribute set for the start-up warm-up's own requests, which are not counted. */
    public static final String WARMUP = ReservationOutcomeMetrics.class.getName() + ".warmup";

    enum Outcome {

        ACCEPTED, REPLAYED, SOLD_OUT, NOT_OPEN, CLOSED, BACKPRESSURE, NOT_FOUND, BAD_INPUT, UNAVAILABLE, ERROR

    }

    private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

    ReservationOutcomeMetrics(MeterRegistry registry) {
        for (Outcome outcome : Outcome.values()) {
            this.counters.put(outcome, Counter.builder("reservation.requests")
                .description("Reservation requests (POST /events/{id}/reservations) by outcome")
                .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                .register(registry));
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !("POST".equals(request.getMethod()) && request.getRequestURI().endsWith("/reservations")
                && request.getRequestURI().startsWith("/events/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        }
        finally {
            if (request.getAttribute(WARMUP) == null) {
                Outcome outcome = outcome(response.getStatus(), request.getAttribute(REPLAYED) != null);
                Object window = request.getAttribute(WINDOW_REFUSAL);
                if (outcome == Outcome.SOLD_OUT && window != null) {
                    outcome = "closed".equals(window) ? Outcome.CLOSED : Outcome.NOT_OPEN;
                }
                this.counters.get(outcome).increment();
            }
        }
    }

    static Outcome outcome(int status, boolean replayed) {
        return switch (status) {
            case 202 -> replayed ? Outcome.REPLAYED : Outcome.ACCEPTED;
            case 409 -> Outcome.SOLD_OUT;
            case 429 -> Outcome.BACKPRESSURE;
            case 404 -> Outcome.NOT_FOUND;
            case 503 -> Outcome.UNAVAILABLE;
            default -> (status >= 500) ? Outcome.ERROR : Outcome.BAD_INPUT;
        };
    }

}
