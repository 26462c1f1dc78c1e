package dev.fcfs.producer.reservation;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.UUID;

import dev.fcfs.producer.metrics.ReservationOutcomeMetrics;
import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.shared.warmup.ScratchRuns;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Tells the start-up warm-up's own requests from everyone else's, and gives them a queue on the warm-up run's
 * scratch keys, so that the warm-up drives the real HTTP and accept path without touching a real event's counters
 * or queues. A request is the warm-up's only while a warm-up runs, for one of the scratch event ids
 * ({@link ScratchRuns#isScratchEvent}), and with this process's secret for the run in the {@value #HEADER} header;
 * any other request, the same ids included, takes the ordinary path. Real requests pay one comparison of the event
 * id for this.
 */
@Component
public class WarmupTraffic {

    /** The header that carries the run's secret. */
    public static final String HEADER = "Fcfs-Warmup";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final LettuceConnectionFactory connectionFactory;

    private final StringRedisTemplate redis;

    private final ApiProperties api;

    private final DataRedisProperties redisProperties;

    private volatile @Nullable Scratch scratch;

    WarmupTraffic(LettuceConnectionFactory connectionFactory, StringRedisTemplate redis, ApiProperties api,
            DataRedisProperties redisProperties) {
        this.connectionFactory = connectionFactory;
        this.redis = redis;
        this.api = api;
        this.redisProperties = redisProperties;
    }

    /**
     * From now until {@link #close()}, requests for scratch events that carry the returned secret go to the run's
     * keys, through a batcher of their own (the same code as the real one's, on another connection).
     * @return the secret to send in {@value #HEADER}
     */
    public String open(ScratchRuns.Run run) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String secret = HexFormat.of().formatHex(bytes);
        EnqueueBatcher batcher = new EnqueueBatcher(this.connectionFactory, this.redis, run.keys(), this.api,
                this.redisProperties);
        close();
        this.scratch = new Scratch(secret, batcher);
        return secret;
    }

    /** Ends the warm-up's routing; requests still in flight on the scratch queue fail. */
    public void close() {
        Scratch open = this.scratch;
        this.scratch = null;
        if (open != null) {
            open.batcher().destroy();
        }
    }

    /** The scratch queue's batcher if this is a warm-up request for {@code eventId}, else null. */
    @Nullable EnqueueBatcher batcherFor(long eventId, HttpServletRequest request) {
        if (!ScratchRuns.isScratchEvent(eventId)) {
            return null;
        }
        Scratch open = this.scratch;
        if (open == null || !open.secret().equals(request.getHeader(HEADER))) {
            return null;
        }
        // the warm-up's requests are not the business's: see ReservationOutcomeMetrics
        request.setAttribute(ReservationOutcomeMetrics.WARMUP, Boolean.TRUE);
        return open.batcher();
    }

    /**
     * Whether this request for {@code POST /events/{id}/reservations} or {@code GET /reservations/{id}} is the
     * warm-up's: the rule of {@link #batcherFor}, read from the path, for the security chain (which runs before Spring
     * MVC has parsed the path).
     */
    public boolean isWarmupRequest(HttpServletRequest request) {
        Scratch open = this.scratch;
        if (open == null || !open.secret().equals(request.getHeader(HEADER))) {
            return false;
        }
        String uri = request.getRequestURI();
        try {
            if (uri.startsWith("/events/") && uri.endsWith("/reservations")) {
                return ScratchRuns.isScratchEvent(Long.parseLong(uri.substring(8, uri.length() - 13)));
            }
            if (uri.startsWith("/reservations/")) {
                OptionalLong eventId = ReservationId.eventIdOf(UUID.fromString(uri.substring(14)));
                return eventId.isPresent() && ScratchRuns.isScratchEvent(eventId.getAsLong());
            }
        }
        catch (IllegalArgumentException ex) {
            // not an id: not the warm-up's (it sends plain ids only)
        }
        return false;
    }

    /** The scratch queue's batcher if this is a warm-up request for a reservation, else null. */
    @Nullable EnqueueBatcher batcherFor(UUID reservationId, HttpServletRequest request) {
        OptionalLong eventId = ReservationId.eventIdOf(reservationId);
        return eventId.isPresent() ? batcherFor(eventId.getAsLong(), request) : null;
    }

    private record Scratch(String secret, EnqueueBatcher batcher) {
    }

}
