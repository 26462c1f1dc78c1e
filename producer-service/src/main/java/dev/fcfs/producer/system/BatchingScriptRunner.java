package dev.fcfs.producer.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

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
import io.lettuce.core.codec.StringCodec;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.Timeout;
import io.netty.util.Timer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceExceptionConverter;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runs one script for many concurrent callers with as few invocations as the load allows. Calls are grouped (calls
 * of one group share a hash slot, so one invocation may name all their keys), and each group has at most one
 * invocation in flight: a caller whose group is idle sends its call at once, alone or with whatever else is waiting;
 * a caller whose group has an invocation in flight leaves its call waiting, and when the reply of that invocation
 * arrives, the Netty thread that reads it sends everything that waited, up to {@link #MAX_CALLS_PER_INVOCATION}
 * calls, as the group's next invocation, then gives each caller of the finished one its outcome. So a batch holds
 * what arrived during one round trip: one call when idle, hundreds under a burst, which then cost Lettuce one command
 * and Redis one script run. This is Kafka's producer batching with the round trip as its linger: nothing waits on a
 * timer, a call waits at most for the reply before its own, and each caller gets its outcome only once Redis has
 * answered for it.
 *
 * <p>One invocation in flight per group also keeps each group's calls in the order they were handed over, on a
 * standalone, a Sentinel or a cluster client (Lettuce routes each invocation by its first key's slot, and follows
 * {@code MOVED}/{@code ASK} redirections by itself). Failures are translated like Spring Data Redis does, so the
 * API's 503 handling applies unchanged; a failed or timed-out invocation fails every call in it, and the group's next
 * invocation goes out as usual.
 *
 * @param <C> one caller's call
 * @param <O> the outcome of one call
 */
public class BatchingScriptRunner<C, O> implements SmartLifecycle, DisposableBean {

    /** Most calls in one invocation: bounds how long one script run holds Redis (about 1 ms here). */
    static final int MAX_CALLS_PER_INVOCATION = 256;

    private static final LettuceExceptionConverter EXCEPTIONS = new LettuceExceptionConverter();

    private static final long RECONNECT_INTERVAL_NANOS = 1_000_000_000L;

    private final LettuceConnectionFactory connectionFactory;

    private final BatchedScript<C, O> script;

    private final long timeoutNanos;

    private final Map<Integer, Group> groups = new ConcurrentHashMap<>();

    private final ReentrantLock connecting = new ReentrantLock();

    private volatile Connection current;

    private volatile long retryConnectAfterNanos = System.nanoTime();

    private volatile boolean running = true;

    private volatile boolean started;

    public BatchingScriptRunner(LettuceConnectionFactory connectionFactory, BatchedScript<C, O> script,
            Duration timeout) {
        this.connectionFactory = connectionFactory;
        this.script = script;
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Runs the call within its group's next invocation of the script ({@code EVALSHA}, falling back to {@code EVAL}
     * when Redis does not have it cached, e.g. after a restart) and waits for its outcome.
     *
     * <p>The caller waits without a timeout of its own: the timeout runs once per invocation (a timed wait per caller
     * costs a timer per request, measured at about a twentieth of the accept path's CPU on Java 25), and every call
     * handed over is sent, by its caller or by the end of the invocation before it, and so gets an outcome.
     * @throws org.springframework.dao.DataAccessException if Redis is unreachable, times out or fails the script
     */
    public O run(C call) {
        if (!this.running) {
            throw new RedisConnectionFailureException("Shutting down");
        }
        // opened before the call is handed over, so that an outage fails the caller at once, not at its deadline
        connection(System.nanoTime() + this.timeoutNanos);
        Call<C, O> handed = new Call<>(call, new CompletableFuture<>());
        group(this.script.groupOf(call)).handOver(handed);
        try {
            return handed.outcome().get();
        }
        catch (InterruptedException ex) {
            handed.outcome().cancel(false);
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("Interrupted while waiting for Redis", ex);
        }
        catch (ExecutionException ex) {
            throw translate(ex.getCause());
        }
    }

    private Group group(int key) {
        Group group = this.groups.get(key);
        return (group != null) ? group : this.groups.computeIfAbsent(key, (k) -> new Group());
    }

    /**
     * One group's waiting calls and whether an invocation of the group is in flight. Whoever finds the group idle
     * (a caller, or the end of the invocation in flight) claims it and sends what waits. A call handed over while
     * the group is claimed is seen by the claimant's check after it lets go, or claims the group itself: no call is
     * left waiting while the group is idle.
     */
    private final class Group {

        private final Queue<Call<C, O>> waiting = new ConcurrentLinkedQueue<>();

        private final AtomicBoolean inFlight = new AtomicBoolean();

        void handOver(Call<C, O> call) {
            this.waiting.add(call);
            sendIfIdle();
        }

        /** Called once per invocation, when it has ended (reply, failure or timeout): the next one may go out. */
        void invocationEnded() {
            this.inFlight.set(false);
            sendIfIdle();
        }

        private void sendIfIdle() {
            while (!this.waiting.isEmpty() && this.inFlight.compareAndSet(false, true)) {
                List<Call<C, O>> calls = takeWaiting();
                if (calls.isEmpty()) {
                    this.inFlight.set(false);
                }
                else {
                    send(this, calls);
                    return;
                }
            }
        }

        private List<Call<C, O>> takeWaiting() {
            List<Call<C, O>> calls = new ArrayList<>();
            for (Call<C, O> call = this.waiting.poll(); call != null; call = this.waiting.poll()) {
                calls.add(call);
                if (calls.size() == MAX_CALLS_PER_INVOCATION) {
                    break;
                }
            }
            return calls;
        }

        void failWaiting(RuntimeException failure) {
            for (Call<C, O> call = this.waiting.poll(); call != null; call = this.waiting.poll()) {
                call.outcome().completeExceptionally(failure);
            }
        }

    }

    /**
     * Sends one invocation for the calls of a claimed group and arranges for its end: when the reply (or a failure,
     * or the timeout) comes, the group's next invocation is sent first, so that Redis has work while this one's
     * callers are woken, and then each caller gets its outcome. Whatever goes wrong, the invocation ends once.
     */
    private void send(Group group, List<Call<C, O>> calls) {
        BatchedScript.Invocation<O> invocation;
        try {
            invocation = this.script.invocation(calls.stream().map(Call::call).toList());
        }
        catch (RuntimeException ex) {
            calls.forEach((call) -> call.outcome().completeExceptionally(ex));
            group.invocationEnded();
            return;
        }
        CompletableFuture<List<?>> reply = new CompletableFuture<>();
        reply.whenComplete((values, failure) -> {
            try {
                group.invocationEnded();
            }
            finally {
                complete(calls, invocation, values, failure);
            }
        });
        try {
            Connection connection = this.current;
            if (connection == null || connection.isClosed()) {
                throw new RedisConnectionFailureException("Redis connection closed");
            }
            // Lettuce's timer wheel: no thread is woken per invocation (orTimeout's scheduler thread was, measurably)
            Timeout timeout = connection.timer()
                .newTimeout((expired) -> reply.completeExceptionally(new TimeoutException(
                        "No reply from Redis within " + Duration.ofNanos(this.timeoutNanos))), this.timeoutNanos,
                        TimeUnit.NANOSECONDS);
            reply.whenComplete((values, failure) -> timeout.cancel());
            invoke(connection, invocation, reply);
        }
        catch (RuntimeException ex) {
            reply.completeExceptionally(ex);
        }
    }

    /** Sends the invocation; its reply, or its failure, completes {@code reply}. */
    private void invoke(Connection connection, BatchedScript.Invocation<O> invocation,
            CompletableFuture<List<?>> reply) {
        RedisScript<?> redisScript = this.script.script();
        connection.commands()
            .<List<?>>evalsha(redisScript.getSha1(), ScriptOutputType.MULTI, invocation.keys(), invocation.args())
            .whenComplete((values, failure) -> {
                if (failure instanceof RedisNoScriptException) {
                    // not cached (Redis restarted): run it by its text, sent from this Netty callback
                    connection.commands()
                        .<List<?>>eval(redisScript.getScriptAsString(), ScriptOutputType.MULTI, invocation.keys(),
                                invocation.args())
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

    private void complete(List<Call<C, O>> calls, BatchedScript.Invocation<O> invocation, List<?> reply,
            Throwable failure) {
        if (failure != null) {
            calls.forEach((call) -> call.outcome().completeExceptionally(failure));
            return;
        }
        List<O> outcomes;
        try {
            outcomes = invocation.outcomes(reply);
        }
        catch (RuntimeException ex) {
            calls.forEach((call) -> call.outcome().completeExceptionally(ex));
            return;
        }
        for (int i = 0; i < calls.size(); i++) {
            calls.get(i).outcome().complete(outcomes.get(i));
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

    @Override
    public void destroy() {
        this.running = false;
        Connection connection = this.current;
        if (connection != null) {
            // fails the invocations in flight, whose ends send (and so fail) whatever waits behind them
            connection.connection().close();
        }
        RuntimeException shutDown = new RedisConnectionFailureException("Shutting down");
        this.groups.values().forEach((group) -> group.failWaiting(shutDown));
    }

    /** One caller's call and where its outcome goes. */
    private record Call<C, O>(C call, CompletableFuture<O> outcome) {
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

    /**
     * UTF-8, with an exact size for each argument: Lettuce then writes the argument straight into the command's
     * buffer. With {@link StringCodec#UTF8}, whose size is an estimate, it allocates (and, one time in 128, tracks
     * for leaks with a stack trace) a temporary buffer for every key and argument of the invocation.
     */
    static final class ExactUtf8Codec extends StringCodec {

        static final ExactUtf8Codec INSTANCE = new ExactUtf8Codec();

        private ExactUtf8Codec() {
            super(StandardCharsets.UTF_8);
        }

        @Override
        public int estimateSize(Object keyOrValue) {
            return (keyOrValue instanceof CharSequence text) ? ByteBufUtil.utf8Bytes(text) : 0;
        }

        @Override
        public boolean isEstimateExact() {
            return true;
        }

    }

}
