package dev.fcfs.producer.system;

import dev.fcfs.producer.web.ServiceUnavailableException;
import dev.fcfs.shared.redis.EvictionPolicyGuard;
import dev.fcfs.shared.redis.UnsafeEvictionPolicyException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Answers 503 (with {@code Retry-After}) to the requests that put jobs into the queues, reservations and dead-letter
 * requeues, while Redis may evict them or its policy is still unknown ({@link EvictionPolicyGuard}). Reads and event
 * creation go on: PostgreSQL answers them, and an event is registered in Redis on its first reservation anyway.
 */
final class EvictionPolicyInterceptor implements HandlerInterceptor {

    static final String[] QUEUEING_PATHS = { "/events/*/reservations", "/admin/dead-letters/**" };

    private final EvictionPolicyGuard guard;

    EvictionPolicyInterceptor(EvictionPolicyGuard guard) {
        this.guard = guard;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) {
            return true;
        }
        try {
            this.guard.requireSafe();
        }
        catch (UnsafeEvictionPolicyException ex) {
            throw new ServiceUnavailableException(ex.getMessage());
        }
        return true;
    }

}
