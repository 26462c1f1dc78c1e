package dev.fcfs.producer.web;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.coyote.AbstractProcessor;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.SmartLifecycle;

/**
 * Closes every connection whose request line and headers have not all arrived within a total time
 * ({@code reservation.api.request-header-timeout}).
 *
 * <p>Tomcat's own timeouts are per read: {@code server.tomcat.connection-timeout} bounds each wait for the next
 * bytes, so a client that sends one byte just before it runs out ("slowloris") holds its connection for hours, and a
 * few thousand such clients hold every slot of {@code server.tomcat.max-connections}. Tomcat has no total deadline
 * for a request's head, so this adds one: once a second it looks at the connections whose request Tomcat is still
 * parsing (they wait in the poller, holding no thread) and closes those that started longer ago than the deadline.
 * A request's start is the first byte of its request line, so idle keep-alive connections are left to
 * {@code server.tomcat.keep-alive-timeout}. The body has its own total deadline ({@link BodySizeLimitFilter}).
 */
final class RequestHeaderDeadline implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>,
        TomcatProtocolHandlerCustomizer<DeadlineHttp11NioProtocol>, SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(RequestHeaderDeadline.class);

    private static final long CHECK_EVERY_MILLIS = 1000;

    private final long deadlineNanos;

    private volatile @Nullable DeadlineHttp11NioProtocol protocol;

    private volatile @Nullable ScheduledExecutorService checker;

    RequestHeaderDeadline(Duration deadline) {
        this.deadlineNanos = deadline.toNanos();
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.setProtocol(DeadlineHttp11NioProtocol.class.getName());
    }

    @Override
    public void customize(DeadlineHttp11NioProtocol protocol) {
        this.protocol = protocol;
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
            Thread thread = new Thread(task, "request-header-deadline");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(this::closeLateRequests, CHECK_EVERY_MILLIS, CHECK_EVERY_MILLIS,
                TimeUnit.MILLISECONDS);
        this.checker = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = this.checker;
        if (executor != null) {
            executor.shutdownNow();
            this.checker = null;
        }
    }

    @Override
    public boolean isRunning() {
        return this.checker != null;
    }

    /** Visible for tests: one pass over the open connections. */
    int closeLateRequests() {
        DeadlineHttp11NioProtocol current = this.protocol;
        if (current == null) {
            return 0;
        }
        int closed = 0;
        long now = System.nanoTime();
        try {
            for (SocketWrapperBase<?> connection : current.openConnections()) {
                if (isLate(connection, now)) {
                    connection.close();
                    closed++;
                }
            }
        }
        catch (RuntimeException ex) {
            // the checker must outlive anything one pass meets (a connection closing under it, say)
            logger.debug("Request header deadline check failed", ex);
        }
        if (closed > 0) {
            logger.info("Closed {} connection(s) whose request headers took longer than {} ms", closed,
                    TimeUnit.NANOSECONDS.toMillis(this.deadlineNanos));
        }
        return closed;
    }

    private boolean isLate(SocketWrapperBase<?> connection, long now) {
        // A processor stays attached to a connection, outside any thread, only while the connection waits for more
        // of a request's head (or for an async request, which this service does not use); a request being served
        // has taken its processor, so a slow answer is never cut here. The start time is set at the request
        // line's first byte and cleared when the request is recycled.
        if (!(connection.getCurrentProcessor() instanceof AbstractProcessor processor) || processor.isAsync()) {
            return false;
        }
        long started = processor.getRequest().getStartTimeNanos();
        return started != -1 && now - started > this.deadlineNanos;
    }

}
