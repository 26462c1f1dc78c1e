package dev.fcfs.producer.reservation;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.fcfs.producer.redis.ExactUtf8Codec;
import dev.fcfs.producer.web.ApiProperties;
import dev.fcfs.shared.queue.EnqueueBatch;
import dev.fcfs.shared.queue.EnqueueBatch.Status;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.ReservationScripts;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceExceptionConverter;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The producer's side of the Redis queue: puts reservation requests in line with {@code enqueue.lua}, on a
 * connection of its own, running the script once for as many concurrent requests as the load allows, and reads the
 * pending hash for the status lookup.
 *
 * <p>Requests of one shard share a run (their keys share the shard's hash slot, so one run may name them all), and
 * each shard has at most one run in flight: a request whose shard is idle goes out at once, alone or with whatever
 * else is waiting; a request whose shard has a run in flight waits, and when the reply of that run arrives, the Netty
 * thread that reads it sends everything that waited, up to {@link #MAX_REQUESTS_PER_RUN} requests, as the shard's
 * next run, then gives each request of the finished one its outcome. So a run holds what arrived during one round
 * trip: one request when idle, hundreds under a burst, which then cost Lettuce one command and Redis one script run.
 * This is Kafka's producer batching with the round trip as its linger: nothing waits on a timer, a request waits at
 * most for the reply before its own, and each caller gets its outcome only once Redis has answered for it.
 *
 * <p>One run in flight per shard also keeps each shard's requests in the order they were handed over, on a
 * standalone, a Sentinel or a cluster client (Lettuce routes each run by its first key's slot, and follows
 * {@code MOVED}/{@code ASK} redirections by itself). Failures are translated like Spring Data Redis does, so the
 * API's 503 handling applies unchanged; a failed or timed-out run fails every request in it, and the shard's next
 * run goes out as usual.
 *
 * <p>The real queue's batcher is this bean; the start-up warm-up gets one of its own on its run's scratch keys
 * ({@link WarmupTraffic}), so that it drives this same code on another connection.
 */
@Component
class EnqueueBatcher implements SmartLifecycle, DisposableBean {

    /** Most requests in one script run: bounds how long one run holds Redis. */
    static final int MAX_REQUESTS_PER_RUN = 256;

    private static final EnqueueBatch.Outcome SOLD_OUT = new EnqueueBatch.Outcome(Status.SOLD_OUT, null, null);

    private static final LettuceExceptionConverter EXCEPTIONS = new LettuceExceptionConverter();

    private static final long RECONNECT_INTERVAL_NANOS = 1_000_000_000L;

    /** The command timeout when {@code spring.data.redis.timeout} is not set. */
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * Events the script has answered SOLD_OUT or CLOSED for, with that answer. Both are final: the sold-out flag is
     * only raised after the last seat is committed and is never lowered, and a sale window cannot change once the
     * event has opened, which a closed one has. So the flood of late requests is answered without Redis. Requests
     * with an Idempotency-Key still go to the script: the first answer under their key comes before the refusal.
     */
    private final Cache<Long, EnqueueBatch.Outcome> finalRefusals = Caffeine.newBuilder().maximumSize(100_000).build();

    private final LettuceConnectionFactory connectionFactory;

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    private final long idempotencyTtlSeconds;

    private final OptionalLong maxQueueDepth;

    private final long timeoutNanos;

    private final Shard[] shards;

    private final ReentrantLock connecting = new ReentrantLock();

    private volatile Connection current;

    private volatile long retryConnectAfterNanos = System.nanoTime();

    private volatile boolean running = true;

    private volatile boolean started;

    /**
     * A batcher for {@code enqueue.lua} on these keys.
     * @param redisProperties its {@code timeout} bounds each script run (default 2 s)
     */
    EnqueueBatcher(LettuceConnectionFactory connectionFactory, StringRedisTemplate redis, QueueKeys keys,
            ApiProperties api, DataRedisProperties redisProperties) {
        this.connectionFactory = connectionFactory;
        this.redis = redis;
        this.keys = keys;
        this.idempotencyTtlSeconds = api.idempotencyTtlSeconds();
        this.maxQueueDepth = OptionalLong.of(api.maxQueueDepth());
        Duration timeout = (redisProperties.getTimeout() != null) ? redisProperties.getTimeout() : DEFAULT_TIMEOUT;
        this.timeoutNanos = timeout.toNanos();
        this.shards = new Shard[keys.shards()];
        for (int shard = 0; shard < this.shards.length; shard++) {
            this.shards[shard] = new Shard();
        }
    }

    /**
     * Runs {@code enqueue.lua} for this request, together with the other requests of its shard that arrive
     * meanwhile: assigns the position and queues the job, or replays the answer stored under the idempotency key,
     * or refuses (event unknown to Redis, not open yet, closed, sold out, or shard queue full). The script runs by
     * {@code EVALSHA}, falling back to {@code EVAL} when Redis does not have it cached, e.g. after a restart.
     *
     * <p>The caller waits without a timeout of its own: the timeout runs once per script run (a timed wait per
     * caller would cost a timer per request), and every request handed over is sent, by its caller or by the end of
     * the run before it, and so gets an outcome.
     * @throws org.springframework.dao.DataAccessException if Redis is unreachable, times out or fails the script
     */
    EnqueueBatch.Outcome enqueue(UUID reservationId, long eventId, String userId, @Nullable String idempotencyKey) {
        if (idempotencyKey == null) {
            EnqueueBatch.Outcome refusal = this.finalRefusals.getIfPresent(eventId);
            if (refusal != null) {
                return refusal;
            }
        }
        EnqueueBatch.Outcome outcome = run(new EnqueueBatch.Request(reservationId, eventId, userId, idempotencyKey));
        if (outcome.status() == Status.SOLD_OUT) {
            this.finalRefusals.put(eventId, SOLD_OUT);
        }
        else if (outcome.status() == Status.CLOSED) {
            this.finalRefusals.put(eventId, outcome);
        }
        return outcome;
    }

    /** {@code HGET} of the shard's pending hash: the raw job while it is accepted but not yet acknowledged. */
    @Nullable String pendingJob(UUID reservationId, long eventId) {
        return this.redis.<String, String>opsForHash()
            .get(this.keys.pending(this.keys.shardOf(eventId)), reservationId.toString());
    }

    private EnqueueBatch.Outcome run(EnqueueBatch.Request request) {
        if (!this.running) {
            throw new RedisConnectionFailureException("Shutting down");
        }
        // opened before the request is handed over, so that an outage fails the caller at once, not at its deadline
        connection(System.nanoTime() + this.timeoutNanos);
        Waiting waiting = new Waiting(request, new CompletableFuture<>());
        this.shards[this.keys.shardOf(request.eventId())].handOver(waiting);
        try {
            return waiting.outcome().get();
        }
        catch (InterruptedException ex) {
            waiting.outcome().cancel(false);
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("Interrupted while waiting for Redis", ex);
        }
        catch (ExecutionException ex) {
            throw translate(ex.getCause());
        }
    }

    /**
     * One shard's waiting requests and whether a run of the shard is in flight. Whoever finds the shard idle (a
     * caller, or the end of the run in flight) claims it and sends what waits. A request handed over while the shard
     * is claimed is seen by the claimant's check after it lets go, or claims the shard itself: no request is left
     * waiting while the shard is idle.
     */
    private final class Shard {

        private final Queue<Waiting> waiting = new ConcurrentLinkedQueue<>();

        private final AtomicBoolean inFlight = new AtomicBoolean();

        void handOver(Waiting request) {
            this.waiting.add(request);
            sendIfIdle();
        }

        /** Called once per run, when it has ended (reply, failure or timeout): the next one may go out. */
        void runEnded() {
            this.inFlight.set(false);
            sendIfIdle();
        }

        private void sendIfIdle() {
            while (!this.waiting.isEmpty() && this.inFlight.compareAndSet(false, true)) {
                List<Waiting> requests = takeWaiting();
                if (requests.isEmpty()) {
                    this.inFlight.set(false);
                }
                else {
                    send(this, requests);
                    return;
                }
            }
        }

        private List<Waiting> takeWaiting() {
            List<Waiting> requests = new ArrayList<>();
            for (Waiting request = this.waiting.poll(); request != null; request = this.waiting.poll()) {
                requests.add(request);
                if (requests.size() == MAX_REQUESTS_PER_RUN) {
                    break;
                }
            }
            return requests;
        }

        void failWaiting(RuntimeException failure) {
            for (Waiting request = this.waiting.poll(); request != null; request = this.waiting.poll()) {
                request.outcome().completeExceptionally(failure);
            }
        }

    }

    /**
     * Sends one run for the requests of a claimed shard and arranges for its end: when the reply (or a failure, or
     * the timeout) comes, the shard's next run is sent first, so that Redis has work while this one's callers are
     * woken, and then each caller gets its outcome. Whatever goes wrong, the run ends once.
     */
    private void send(Shard shard, List<Waiting> requests) {
        EnqueueBatch batch;
        String[] args;
        try {
            List<EnqueueBatch.Request> batched = new ArrayList<>(requests.size());
            for (Waiting request : requests) {
                batched.add(request.request());
            }
            batch = EnqueueBatch.of(this.keys, batched);
            args = batch.args(this.idempotencyTtlSeconds, this.maxQueueDepth);
        }
        catch (RuntimeException ex) {
            requests.forEach((request) -> request.outcome().completeExceptionally(ex));
            shard.runEnded();
            return;
        }
        CompletableFuture<List<?>> reply = new CompletableFuture<>();
        reply.whenComplete((values, failure) -> {
            try {
                shard.runEnded();
            }
            finally {
                complete(requests, batch, values, failure);
            }
        });
        try {
            Connection connection = this.current;
            if (connection == null || connection.isClosed()) {
                throw new RedisConnectionFailureException("Redis connection closed");
            }
            // Lettuce's timer wheel: no thread is woken per run, as orTimeout's scheduler thread would be
            Timeout timeout = connection.timer()
                .newTimeout((expired) -> reply.completeExceptionally(new TimeoutException(
                        "No reply from Redis within " + Duration.ofNanos(this.timeoutNanos))), this.timeoutNanos,
                        TimeUnit.NANOSECONDS);
            reply.whenComplete((values, failure) -> timeout.cancel());
            invoke(connection, batch, args, reply);
        }
        catch (RuntimeException ex) {
            reply.completeExceptionally(ex);
        }
    }

    /** Sends the run; its reply, or its failure, completes {@code reply}. */
    private static void invoke(Connection connection, EnqueueBatch batch, String[] args,
            CompletableFuture<List<?>> reply) {
        connection.commands()
            .<List<?>>evalsha(ReservationScripts.ENQUEUE.getSha1(), ScriptOutputType.MULTI, batch.keys(), args)
            .whenComplete((values, failure) -> {
                if (failure instanceof RedisNoScriptException) {
                    // not cached (Redis restarted): run it by its text, sent from this Netty callback
                    connection.commands()
                        .<List<?>>eval(ReservationScripts.ENQUEUE.getScriptAsString(), ScriptOutputType.MULTI,
                                batch.keys(), args)
                        .whenComplete((evalValues, evalFailure) -> settle(reply, evalValues, evalFailure));
                }
                else {
                    settle(reply, values, failure);
                }
            });
    }

    private static void settle(CompletableFuture<List<?>> reply, List<?> values, Throwable failure) {
        if (failure != null) {
            reply.completeExceptionally(failure);
        }
        else {
            reply.complete(values);
        }
    }

    private static void complete(List<Waiting> requests, EnqueueBatch batch, List<?> reply, Throwable failure) {
        if (failure != null) {
            requests.forEach((request) -> request.outcome().completeExceptionally(failure));
            return;
        }
        List<EnqueueBatch.Outcome> outcomes;
        try {
            outcomes = batch.outcomes(reply);
        }
        catch (RuntimeException ex) {
            requests.forEach((request) -> request.outcome().completeExceptionally(ex));
            return;
        }
        for (int i = 0; i < requests.size(); i++) {
            requests.get(i).outcome().complete(outcomes.get(i));
        }
    }

    /**
     * A failure as the API's error handling expects it. A connection reset while waiting (Redis crashed, the network
     * dropped) arrives as a plain IOException: the script may or may not have run, which is what a 503 (retry with
     * the same Idempotency-Key) says.
     */
    private static RuntimeException translate(Throwable cause) {
        if (cause instanceof TimeoutException) {
            return new QueryTimeoutException("Redis command timed out", cause);
        }
        RuntimeException failure = (cause instanceof RuntimeException runtime) ? runtime
                : (cause instanceof IOException io)
                        ? new RedisConnectionFailureException("Redis connection lost: " + io.getMessage(), io)
                        : new IllegalStateException(cause);
        RuntimeException translated = EXCEPTIONS.convert(failure);
        return (translated != null) ? translated : failure;
    }

    /**
     * The open connection, or a new one if there is none yet (Redis was down at start-up) or it was closed (the
     * connection factory was stopped and started again). A connection that is merely disconnected is left to Lettuce,
     * which reconnects it and meanwhile rejects commands at once. Callers arriving while a connection is being opened
     * wait for it (within their timeout); after a failed attempt, callers fail fast for a second, as they would
     * during any outage, instead of each trying again.
     */
    private Connection connection(long deadline) {
        Connection connection = this.current;
        if (connection != null && !connection.isClosed()) {
            return connection;
        }
        try {
            if (!this.connecting.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new QueryTimeoutException("Timed out waiting for the Redis connection");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("Interrupted while waiting for the Redis connection", ex);
        }
        try {
            connection = this.current;
            if (connection != null && !connection.isClosed()) {
                return connection;
            }
            if (System.nanoTime() - this.retryConnectAfterNanos < 0) {
                throw new RedisConnectionFailureException("Redis is unreachable (last connection attempt failed)");
            }
            connection = Connection.open(this.connectionFactory.getNativeClient());
            this.current = connection;
            return connection;
        }
        catch (RuntimeException ex) {
            if (!(ex instanceof RedisConnectionFailureException)) {
                this.retryConnectAfterNanos = System.nanoTime() + RECONNECT_INTERVAL_NANOS;
            }
            RuntimeException translated = EXCEPTIONS.convert(ex);
            throw (translated != null) ? translated : ex;
        }
        finally {
            this.connecting.unlock();
        }
    }

    /**
     * Opens the connection once the connection factory has started (this bean's lifecycle phase comes after the
     * factory's), so that the first requests of a burst do not wait for it. If Redis is down, the first request
     * after it is back opens it.
     */
    @Override
    public void start() {
        this.started = true;
        try {
            connection(System.nanoTime() + this.timeoutNanos);
        }
        catch (RuntimeException ex) {
            // Redis unreachable at start-up: requests answer 503 until it is back
        }
    }

    /** Closes the connection before the connection factory stops; a later {@link #start()} opens a new one. */
    @Override
    public void stop() {
        this.started = false;
        Connection connection = this.current;
        this.current = null;
        if (connection != null) {
            connection.connection().close();
        }
    }

    @Override
    public boolean isRunning() {
        return this.started;
    }

    /** Fails whatever is in flight or waiting; the warm-up's batcher ends here too when its run is over. */
    @Override
    public void destroy() {
        this.running = false;
        Connection connection = this.current;
        if (connection != null) {
            // fails the runs in flight, whose ends send (and so fail) whatever waits behind them
            connection.connection().close();
        }
        RuntimeException shutDown = new RedisConnectionFailureException("Shutting down");
        for (Shard shard : this.shards) {
            shard.failWaiting(shutDown);
        }
    }

    /** One caller's request and where its outcome goes. */
    private record Waiting(EnqueueBatch.Request request, CompletableFuture<EnqueueBatch.Outcome> outcome) {
    }

    /** A dedicated connection, its scripting commands and the client's timer. */
    private record Connection(StatefulConnection<String, String> connection,
            RedisScriptingAsyncCommands<String, String> commands, Timer timer) {

        static Connection open(AbstractRedisClient client) {
            Timer timer = client.getResources().timer();
            if (client instanceof RedisClusterClient cluster) {
                StatefulRedisClusterConnection<String, String> clustered = cluster.connect(ExactUtf8Codec.INSTANCE);
                return new Connection(clustered, clustered.async(), timer);
            }
            if (client instanceof RedisClient standalone) {
                StatefulRedisConnection<String, String> single = standalone.connect(ExactUtf8Codec.INSTANCE);
                return new Connection(single, single.async(), timer);
            }
            throw new IllegalStateException("Unsupported Redis client " + client);
        }

        boolean isClosed() {
            return (this.connection instanceof RedisChannelHandler<?, ?> handler) && handler.isClosed();
        }

    }

}
