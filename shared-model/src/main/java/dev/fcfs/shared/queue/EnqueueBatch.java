package dev.fcfs.shared.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

import dev.fcfs.shared.job.ReservationJob;
import org.jspecify.annotations.Nullable;

/**
 * One call of {@code scripts/enqueue.lua}: the keys and arguments for requests of one shard, in the order they get
 * their positions, and the reading of its reply. The producer and the tests build the call and read the reply
 * only through this class, so the script's layout is written down once on the Java side.
 */
public final class EnqueueBatch {

    /** Values per request in the script's reply. */
    private static final int REPLY_STRIDE = 3;

    private final List<Request> requests;

    private final String[] keys;

    private EnqueueBatch(List<Request> requests, String[] keys) {
        this.requests = requests;
        this.keys = keys;
    }

    /**
     * A call for these requests, which must all be for events of one shard (the script's keys share its hash tag).
     * @throws IllegalArgumentException if there are none, or they span shards
     */
    public static EnqueueBatch of(QueueKeys queueKeys, List<Request> requests) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("No requests");
        }
        int shard = queueKeys.shardOf(requests.get(0).eventId());
        List<String> keys = new ArrayList<>(2 + 2 * requests.size());
        keys.add(queueKeys.queue(shard));
        keys.add(queueKeys.pending(shard));
        for (Request request : requests) {
            if (queueKeys.shardOf(request.eventId()) != shard) {
                throw new IllegalArgumentException("Events " + requests.get(0).eventId() + " and "
                        + request.eventId() + " are in different shards");
            }
            keys.add(queueKeys.event(request.eventId()));
            if (request.idempotencyKey() != null) {
                keys.add(queueKeys.idempotency(request.eventId(), request.userId()));
            }
        }
        return new EnqueueBatch(List.copyOf(requests), keys.toArray(String[]::new));
    }

    public List<Request> requests() {
        return this.requests;
    }

    /** The script's KEYS. */
    public String[] keys() {
        return this.keys.clone();
    }

    /**
     * The script's ARGV.
     * @param idempotencyTtlSeconds how long a user's idempotency slot keeps its answer
     * @param maxQueueDepth most jobs the shard queue may hold before requests are refused as {@link Status#BUSY};
     * empty for no bound
     */
    public String[] args(long idempotencyTtlSeconds, OptionalLong maxQueueDepth) {
        String[] args = new String[2 + 4 * this.requests.size()];
        args[0] = Long.toString(idempotencyTtlSeconds);
        args[1] = maxQueueDepth.isPresent() ? Long.toString(maxQueueDepth.getAsLong()) : "";
        int arg = 2;
        for (Request request : this.requests) {
            args[arg++] = request.reservationId().toString();
            args[arg++] = Long.toString(request.eventId());
            args[arg++] = request.userId();
            args[arg++] = (request.idempotencyKey() != null) ? request.idempotencyKey() : "";
        }
        return args;
    }

    /**
     * Reads the script's reply: one outcome per request, in the order of {@link #requests()}.
     * @throws IllegalStateException if the reply does not have the script's shape
     */
    public List<Outcome> outcomes(List<?> reply) {
        if (reply.size() != REPLY_STRIDE * this.requests.size()) {
            throw new IllegalStateException("enqueue.lua answered " + reply.size() + " values for "
                    + this.requests.size() + " requests");
        }
        List<Outcome> outcomes = new ArrayList<>(this.requests.size());
        for (int i = 0; i < this.requests.size(); i++) {
            outcomes.add(Outcome.read(this.requests.get(i), reply.subList(REPLY_STRIDE * i, REPLY_STRIDE * (i + 1))));
        }
        return outcomes;
    }

    /**
     * One reservation request to put in line.
     * @param reservationId the id the caller will be answered with
     * @param eventId the event asked for
     * @param userId who asks
     * @param idempotencyKey the caller's {@code Idempotency-Key}, if any: not empty, no spaces (the script stores
     * it in front of the job, separated by one)
     */
    public record Request(UUID reservationId, long eventId, String userId, @Nullable String idempotencyKey) {

        public Request {
            if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.indexOf(' ') >= 0)) {
                throw new IllegalArgumentException("Idempotency key must be non-empty and without spaces");
            }
        }

    }

    /** What the script did with a request. */
    public enum Status {

        /** Queued: the outcome's {@link Outcome#job() job} is what the worker will read. */
        ACCEPTED,

        /** Its idempotency key already held an answer, the {@link Outcome#replayedJob() job first accepted}. */
        REPLAY,

        /** The event is unknown to Redis; nothing queued. */
        NO_EVENT,

        /**
         * The event's sale window has not opened by Redis's clock; nothing queued. The outcome carries the
         * {@link Outcome#windowEdge() opening} and the {@link Outcome#redisTime() Redis time}.
         */
        NOT_OPEN,

        /**
         * The event's sale window has closed by Redis's clock; nothing queued. The outcome carries the
         * {@link Outcome#windowEdge() closing} and the {@link Outcome#redisTime() Redis time}.
         */
        CLOSED,

        /** The event's last seat is committed; nothing queued. */
        SOLD_OUT,

        /** The shard queue is at its bound; nothing queued. */
        BUSY

    }

    /**
     * The script's answer to one request.
     * @param status what happened
     * @param job for {@link Status#ACCEPTED}: the job as queued (built from the request and the position and
     * accept time the script assigned, so the queued JSON need not be read back)
     * @param replayedJob for {@link Status#REPLAY}: the raw job stored under the idempotency key (see
     * {@code JobCodec})
     * @param windowEdge for {@link Status#NOT_OPEN}: when the event opens; for {@link Status#CLOSED}: when it closed
     * @param redisTime for {@link Status#NOT_OPEN} and {@link Status#CLOSED}: the Redis time the window was judged
     * by
     */
    public record Outcome(Status status, @Nullable ReservationJob job, @Nullable String replayedJob,
            @Nullable Instant windowEdge, @Nullable Instant redisTime) {

        public Outcome(Status status, @Nullable ReservationJob job, @Nullable String replayedJob) {
            this(status, job, replayedJob, null, null);
        }

        static Outcome read(Request request, List<?> values) {
            Status status = Status.valueOf(String.valueOf(values.get(0)));
            return switch (status) {
                case ACCEPTED -> new Outcome(status, new ReservationJob(request.reservationId(), request.eventId(),
                        request.userId(), Long.parseLong(String.valueOf(values.get(1))), millis(values.get(2))), null);
                case REPLAY -> new Outcome(status, null, String.valueOf(values.get(1)));
                case NOT_OPEN, CLOSED -> new Outcome(status, null, null, millis(values.get(1)), millis(values.get(2)));
                default -> new Outcome(status, null, null);
            };
        }

        private static Instant millis(Object epochMillis) {
            return Instant.ofEpochMilli(Long.parseLong(String.valueOf(epochMillis)));
        }

        /**
         * For {@link Status#NOT_OPEN}: whole seconds until the event opens by Redis's clock, at least 1 (a
         * {@code Retry-After} of 0 would invite a retry that is still too early).
         */
        public long secondsUntilOpen() {
            if (this.windowEdge == null || this.redisTime == null) {
                throw new IllegalStateException("No window in a " + this.status + " outcome");
            }
            long millis = this.windowEdge.toEpochMilli() - this.redisTime.toEpochMilli();
            return Math.max(1, Math.floorDiv(millis + 999, 1000L));
        }

    }

}
