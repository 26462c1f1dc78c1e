package dev.fcfs.producer.system;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
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
import io.lettuce.core.RedisFuture;
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
 * Runs the accept path's script for many concurrent requests over one dedicated connection whose writes are
 * coalesced: each request queues its {@code EVALSHA} without flushing, and a flusher thread sends everything queued
 * so far in one write as soon as it runs. Under a burst, dozens of scripts leave in one system call and Redis reads
 * them in one; when idle, a request waits only for the flusher to wake. This is Kafka's producer batching without
 * the linger: nothing waits on purpose, and each caller still gets its own reply before it answers 202.
 *
 * <p>Works with a standalone, a Sentinel and a cluster client (Lettuce routes each script by its first key's slot;
 * all keys of the script share one hash tag). In a cluster, Lettuce may also write a command later on its own, from a
 * Netty callback after the flush that sent the caller's command: the retry after a {@code MOVED}/{@code ASK}
 * redirection (a slot moved by resharding or a failover), or a command that waited for a node connection to open.
 * With automatic flushing off nothing would send it, and the request would time out with a 503 (e2e
 * {@code RedisClusterTests} moves a slot to show it). So while any caller waits for a reply, the flusher also flushes
 * every {@link #LATE_WRITE_FLUSH_INTERVAL_NANOS}. Failures are translated like Spring Data Redis does, so the API's 503
 * handling applies unchanged.
 */
public class CoalescingScriptRunner implements SmartLifecycle, DisposableBean {

    private static final LettuceExceptionConverter EXCEPTIONS = new LettuceExceptionConverter();

    private static final long RECONNECT_INTERVAL_NANOS = 1_000_000_000L;

    /** How soon a command Lettuce wrote after the last flush (cluster redirection, new node connection) is sent. */
    private static final long LATE_WRITE_FLUSH_INTERVAL_NANOS = 2_000_000L;

    private final LettuceConnectionFactory connectionFactory;

    private final long timeoutNanos;

    private final AtomicBoolean unflushed = new AtomicBoolean();

    /** Callers waiting for a reply: while there are any, the flusher keeps flushing now and then. */
    private final AtomicInteger awaiting = new AtomicInteger();

    private final ReentrantLock connecting = new ReentrantLock();

    private final Thread flusher;

    private volatile Connection current;

    private volatile long retryConnectAfterNanos = System.nanoTime();

    private volatile boolean running = true;

    private volatile boolean started;

    CoalescingScriptRunner(LettuceConnectionFactory connectionFactory, Duration timeout) {
        this.connectionFactory = connectionFactory;
        this.timeoutNanos = timeout.toNanos();
        this.flusher = new Thread(this::flushLoop, "redis-coalescing-flusher");
        this.flusher.setDaemon(true);
        this.flusher.start();
    }

    /**
     * Runs the script ({@code EVALSHA}, falling back to {@code EVAL} when Redis does not have it cached, e.g. after a
     * restart) and waits for its reply.
     * @return the script's multi-bulk reply
     * @throws org.springframework.dao.DataAccessException if Redis is unreachable, times out or fails the script
     */
    @SuppressWarnings("unchecked")
    public List<String> run(RedisScript<?> script, String[] keys, String... args) {
        long deadline = System.nanoTime() + this.timeoutNanos;
        RedisScriptingAsyncCommands<String, String> commands = connection(deadline).commands();
        try {
            return (List<String>) await(commands.evalsha(script.getSha1(), ScriptOutputType.MULTI, keys, args),
                    deadline);
        }
        catch (RedisNoScriptException ex) {
            return (List<String>) await(commands.eval(script.getScriptAsString(), ScriptOutputType.MULTI, keys, args),
                    deadline);
        }
    }

    private Object await(RedisFuture<Object> reply, long deadline) {
        this.awaiting.incrementAndGet();
        if (!this.unflushed.getAndSet(true)) {
            LockSupport.unpark(this.flusher);
        }
        try {
            return reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            reply.cancel(false);
            throw new QueryTimeoutException("Redis command timed out", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("Interrupted while waiting for Redis", ex);
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof RedisNoScriptException noScript) {
                throw noScript;
            }
            // A connection reset while waiting (Redis crashed, the network dropped) arrives as a plain IOException:
            // the script may or may not have run, which is what a 503 (retry with the same Idempotency-Key) says.
            RuntimeException failure = (ex.getCause() instanceof RuntimeException runtime) ? runtime
                    : (ex.getCause() instanceof IOException io)
                            ? new RedisConnectionFailureException("Redis connection lost: " + io.getMessage(), io)
                            : new IllegalStateException(ex.getCause());
            RuntimeException translated = EXCEPTIONS.convert(failure);
            throw (translated != null) ? translated : failure;
        }
        finally {
            this.awaiting.decrementAndGet();
        }
    }

    /**
     * Flushes whatever callers queued. A caller marks the connection unflushed after queueing its command, and this
     * loop clears the mark before flushing, so every queued command is followed by at least one flush. While callers
     * wait for replies it also flushes every {@link #LATE_WRITE_FLUSH_INTERVAL_NANOS}, for the commands Lettuce writes
     * by itself (see the class comment); idle, it sleeps until a caller wakes it.
     */
    private void flushLoop() {
        while (this.running) {
            boolean queued = this.unflushed.getAndSet(false);
            boolean waited = this.awaiting.get() > 0;
            if (queued || waited) {
                Connection connection = this.current;
                if (connection != null) {
                    connection.connection().flushCommands();
                }
            }
            if (queued) {
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
        LockSupport.unpark(this.flusher);
        Connection connection = this.current;
        if (connection != null) {
            connection.connection().close();
        }
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
