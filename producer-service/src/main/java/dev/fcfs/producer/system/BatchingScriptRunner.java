package dev.fcfs.producer.system;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceExceptionConverter;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runs one script for many concurrent callers with as few invocations as the load allows. Each caller hands its call
 * to a flusher thread and waits; the flusher takes every call handed over since it last ran, groups them (calls of
 * one group share a hash slot), sends one invocation per group of up to {@link #MAX_CALLS_PER_INVOCATION} calls over
 * one dedicated connection, all in a single write, and gives each caller its own outcome from the reply. Under a
 * burst, hundreds of requests cost Lettuce one command per shard and Redis one script run per shard; when idle, a
 * call waits only for the flusher to wake. This is Kafka's producer batching without the linger: nothing waits on
 * purpose, and each caller gets its outcome only once Redis has answered for it.
 *
 * <p>Works with a standalone, a Sentinel and a cluster client (Lettuce routes each invocation by its first key's
 * slot; all keys of a group share one hash tag). In a cluster, Lettuce may also write a command later on its own,
 * from a Netty callback after the flush that sent it: the retry after a {@code MOVED}/{@code ASK} redirection (a slot
 * moved by resharding or a failover), or a command that waited for a node connection to open. With automatic
 * flushing off nothing would send it, and the request would time out with a 503 (e2e {@code RedisClusterTests} moves
 * a slot to show it). So while any caller waits for a reply, the flusher also flushes every
 * {@link #LATE_WRITE_FLUSH_INTERVAL_NANOS}. Failures are translated like Spring Data Redis does, so the API's 503
 * handling applies unchanged; a failed invocation fails every call in it.
 *
 * @param <C> one caller's call
 * @param <O> the outcome of one call
 */
public class BatchingScriptRunner<C, O> implements SmartLifecycle, DisposableBean {

    /** Most calls in one invocation: bounds how long one script run holds Redis (about 1 ms here). */
    static final int MAX_CALLS_PER_INVOCATION = 256;

    private static final LettuceExceptionConverter EXCEPTIONS = new LettuceExceptionConverter();

    private static final long RECONNECT_INTERVAL_NANOS = 1_000_000_000L;

    /** How soon a command Lettuce wrote after the last flush (cluster redirection, new node connection) is sent. */
    private static final long LATE_WRITE_FLUSH_INTERVAL_NANOS = 2_000_000L;

    private final LettuceConnectionFactory connectionFactory;

    private final BatchedScript<C, O> script;

    private final long timeoutNanos;

    /** Calls handed to the flusher and not yet sent. */
    private final Queue<Call<C, O>> handedOver = new ConcurrentLinkedQueue<>();

    /** Set by a caller after handing a call over, cleared by the flusher before it takes the calls. */
    private final AtomicBoolean flusherWoken = new AtomicBoolean();

    /** Callers waiting for an outcome: while there are any, the flusher keeps flushing now and then. */
    private final AtomicInteger awaiting = new AtomicInteger();

    private final ReentrantLock connecting = new ReentrantLock();

    private final Thread flusher;

    private volatile Connection current;

    private volatile long retryConnectAfterNanos = System.nanoTime();

    private volatile boolean running = true;

    private volatile boolean started;

    public BatchingScriptRunner(LettuceConnectionFactory connectionFactory, BatchedScript<C, O> script,
            Duration timeout) {
        this.connectionFactory = connectionFactory;
        this.script = script;
        this.timeoutNanos = timeout.toNanos();
        this.flusher = new Thread(this::flushLoop, "redis-batching-flusher");
        this.flusher.setDaemon(true);
        this.flusher.start();
    }

    /**
     * Runs the call within the next invocation of the script ({@code EVALSHA}, falling back to {@code EVAL} when
     * Redis does not have it cached, e.g. after a restart) and waits for its outcome.
     *
     * <p>The caller waits without a timeout of its own: the timeout runs once per invocation (a timed wait per caller
     * costs a timer per request, measured at about a twentieth of the accept path's CPU on Java 25), and the flusher
     * never leaves a call it took without an outcome.
     * @throws org.springframework.dao.DataAccessException if Redis is unreachable, times out or fails the script
     */
    public O run(C call) {
        if (!this.running) {
            throw new RedisConnectionFailureException("Shutting down");
        }
        // opened here rather than by the flusher, so that an outage fails the caller at once, not at its deadline
        connection(System.nanoTime() + this.timeoutNanos);
        Call<C, O> handed = new Call<>(call, new CompletableFuture<>());
        this.awaiting.incrementAndGet();
        try {
            this.handedOver.add(handed);
            if (!this.flusherWoken.getAndSet(true)) {
                LockSupport.unpark(this.flusher);
            }
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
        finally {
            this.awaiting.decrementAndGet();
        }
    }

    /**
     * Sends the calls handed over, one invocation per group. A caller sets {@link #flusherWoken} after handing its
     * call over, and this loop clears it before taking the calls, so every call is taken by a later pass. While callers
     * wait for outcomes it also flushes every {@link #LATE_WRITE_FLUSH_INTERVAL_NANOS}, for the commands Lettuce
     * writes by itself (see the class comment); idle, it sleeps until a caller wakes it.
     */
    private void flushLoop() {
        while (this.running) {
            boolean woken = this.flusherWoken.getAndSet(false);
            List<Call<C, O>> calls = takeHandedOver();
            boolean waited = this.awaiting.get() > 0;
            try {
                Connection connection = this.current;
                if (!calls.isEmpty()) {
                    send(calls, connection);
                }
                if ((!calls.isEmpty() || waited) && connection != null) {
                    connection.connection().flushCommands();
                }
            }
            catch (RuntimeException | Error ex) {
                // callers wait without a timeout of their own: none may be left without an outcome
                calls.forEach((call) -> call.outcome().completeExceptionally(ex));
            }
            if (woken) {
                continue;
            }
            if (waited) {
                LockSupport.parkNanos(this, LATE_WRITE_FLUSH_INTERVAL_NANOS);
            }
            else {
                LockSupport.park(this);
            }
        }
    }

    private List<Call<C, O>> takeHandedOver() {
        List<Call<C, O>> calls = new ArrayList<>();
        for (Call<C, O> call = this.handedOver.poll(); call != null; call = this.handedOver.poll()) {
            calls.add(call);
        }
        return calls;
    }

    /** Queues one invocation per group and size limit, in the calls' order within each group; not yet flushed. */
    private void send(List<Call<C, O>> calls, Connection connection) {
        Map<Integer, List<Call<C, O>>> groups = new LinkedHashMap<>();
        for (Call<C, O> call : calls) {
            groups.computeIfAbsent(this.script.groupOf(call.call()), (group) -> new ArrayList<>()).add(call);
        }
        for (List<Call<C, O>> group : groups.values()) {
            for (int from = 0; from < group.size(); from += MAX_CALLS_PER_INVOCATION) {
                List<Call<C, O>> chunk = group.subList(from, Math.min(group.size(), from + MAX_CALLS_PER_INVOCATION));
                try {
                    if (connection == null || connection.isClosed()) {
                        throw new RedisConnectionFailureException("Redis connection closed");
                    }
                    invoke(connection, chunk, this.script.invocation(chunk.stream().map(Call::call).toList()));
                }
                catch (RuntimeException ex) {
                    chunk.forEach((call) -> call.outcome().completeExceptionally(ex));
                }
            }
        }
    }

    /**
     * Queues the invocation and arranges for its calls' outcomes: from the reply, or a failure of the whole
     * invocation, or a timeout of the whole invocation.
     */
    private void invoke(Connection connection, List<Call<C, O>> calls, BatchedScript.Invocation<O> invocation) {
        RedisScript<?> redisScript = this.script.script();
        CompletableFuture<List<?>> reply = new CompletableFuture<>();
        reply.orTimeout(this.timeoutNanos, TimeUnit.NANOSECONDS)
            .whenComplete((values, failure) -> complete(calls, invocation, values, failure));
        connection.commands()
            .<List<?>>evalsha(redisScript.getSha1(), ScriptOutputType.MULTI, invocation.keys(), invocation.args())
            .whenComplete((values, failure) -> {
                if (failure instanceof RedisNoScriptException) {
                    // not cached (Redis restarted): run it by its text, sent from this Netty callback
                    connection.commands()
                        .<List<?>>eval(redisScript.getScriptAsString(), ScriptOutputType.MULTI, invocation.keys(),
                                invocation.args())
                        .whenComplete((evalValues, evalFailure) -> settle(reply, evalValues, evalFailure));
                    connection.connection().flushCommands();
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
    public void destroy() throws InterruptedException {
        this.running = false;
        LockSupport.unpark(this.flusher);
        this.flusher.join(TimeUnit.SECONDS.toMillis(5));
        RuntimeException shutDown = new RedisConnectionFailureException("Shutting down");
        takeHandedOver().forEach((call) -> call.outcome().completeExceptionally(shutDown));
        Connection connection = this.current;
        if (connection != null) {
            connection.connection().close();
        }
    }

    /** One caller's call and where its outcome goes. */
    private record Call<C, O>(C call, CompletableFuture<O> outcome) {
    }

    /** A dedicated connection with automatic flushing off, and its scripting commands. */
    private record Connection(StatefulConnection<String, String> connection,
            RedisScriptingAsyncCommands<String, String> commands) {

        static Connection open(AbstractRedisClient client) {
            Connection connection;
            if (client instanceof RedisClusterClient cluster) {
                StatefulRedisClusterConnection<String, String> clusterConnection = cluster.connect(StringCodec.UTF8);
                connection = new Connection(clusterConnection, clusterConnection.async());
            }
            else if (client instanceof RedisClient standalone) {
                StatefulRedisConnection<String, String> standaloneConnection = standalone.connect(StringCodec.UTF8);
                connection = new Connection(standaloneConnection, standaloneConnection.async());
            }
            else {
                throw new IllegalStateException("Unsupported Redis client " + client);
            }
            connection.connection().setAutoFlushCommands(false);
            return connection;
        }

        boolean isClosed() {
            return (this.connection instanceof RedisChannelHandler<?, ?> handler) && handler.isClosed();
        }

    }

}
