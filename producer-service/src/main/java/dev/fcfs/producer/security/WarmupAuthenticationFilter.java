package dev.fcfs.producer.security;

import java.io.IOException;

import dev.fcfs.producer.reservation.WarmupTraffic;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * In jwt mode, lets the start-up warm-up's own requests through the reservation routes without a JWT: the warm-up
 * cannot mint tokens the issuer would sign. A request is the warm-up's exactly when {@link WarmupTraffic} would route
 * it to the scratch keys (a scratch event, the live run's secret): such a request never touches a real event, and its
 * user is the body's. Any other request goes on to the bearer-token filter untouched; real requests pay one header
 * look-up.
 */
final class WarmupAuthenticationFilter extends OncePerRequestFilter {

    private final WarmupTraffic warmup;

    WarmupAuthenticationFilter(WarmupTraffic warmup) {
        this.warmup = warmup;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getHeader(WarmupTraffic.HEADER) != null && this.warmup.isWarmupRequest(request)) {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(ServiceAuthentication.WARMUP);
            SecurityContextHolder.setContext(context);
        }
        chain.doFilter(request, response);
    }

}
