package dev.fcfs.producer.security;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Spring Security's filter chain proxy, skipped in body mode for the two reservation routes in their plain form.
 *
 * <p>The proxy wraps every request it sees in its firewall (URL checks, a wrapped request whose every header read is
 * validated) and tries each chain's matcher, even where no chain applies. In body mode no chain applies to the
 * reservation routes, and {@code POST /events/{id}/reservations} runs at the rate of a ticket drop. A request skips
 * the proxy only when its raw request URI is exactly {@code /events/<digits>/reservations} (POST) or
 * {@code /reservations/<uuid characters>} (GET): no encoding, no path parameter, no dot segment, nothing Spring MVC
 * could read as an admin path. Anything else, however close, goes through the proxy and its firewall, so a mistake
 * here can only cost time, never open an admin path. In jwt mode every request goes through the proxy.
 */
final class SecurityGate implements Filter {

    private static final String EVENTS = "/events/";

    private static final String RESERVATIONS = "/reservations";

    private final Filter security;

    private final boolean bodyMode;

    SecurityGate(Filter security, boolean bodyMode) {
        this.security = security;
        this.bodyMode = bodyMode;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (this.bodyMode && request instanceof HttpServletRequest http && isPlainReservationRoute(http)) {
            chain.doFilter(request, response);
            return;
        }
        this.security.doFilter(request, response, chain);
    }

    static boolean isPlainReservationRoute(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String method = request.getMethod();
        if ("POST".equals(method)) {
            return isReserve(uri);
        }
        if ("GET".equals(method)) {
            return isReservation(uri);
        }
        return false;
    }

    /** {@code /events/<1 to 19 digits>/reservations}, exactly. */
    static boolean isReserve(String uri) {
        if (!uri.startsWith(EVENTS) || !uri.endsWith(RESERVATIONS)) {
            return false;
        }
        int end = uri.length() - RESERVATIONS.length();
        int digits = end - EVENTS.length();
        if (digits < 1 || digits > 19) {
            return false;
        }
        for (int i = EVENTS.length(); i < end; i++) {
            char c = uri.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code /reservations/<36 hex digits and dashes>}, exactly. */
    static boolean isReservation(String uri) {
        int start = RESERVATIONS.length() + 1;
        if (uri.length() != start + 36 || !uri.startsWith(RESERVATIONS) || uri.charAt(start - 1) != '/') {
            return false;
        }
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-')) {
                return false;
            }
        }
        return true;
    }

}
