package dev.fcfs.producer.admin;

import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Requires {@code Authorization: Bearer <admin token>} on the admin paths. Registered by {@link AdminConfiguration}
 * for {@code /events} (whose only mapping is {@code POST}: creating events) and {@code /admin/**}, and for
 * {@code PATCH} of {@code /events/*} (moving a sale window; {@code GET} of an event stays public).
 *
 * <p>Why an interceptor and not Spring Security or a servlet filter: Spring Security would put its filter chain
 * (a dozen filters, a security context per request) in front of {@code POST /events/{id}/reservations}, the hot
 * path, for one static token. A filter would match paths on its own, and could disagree with Spring MVC on what
 * path a request names ({@code /events;x=1}, percent-encoded letters). An interceptor applies to exactly the
 * handlers Spring MVC picked for the admin patterns, and the hot path pays one failed pattern match.
 *
 * <p>Both a missing and a wrong token are answered {@code 401} with {@code WWW-Authenticate: Bearer} (RFC 6750: a
 * wrong token is {@code error="invalid_token"}, and 403 is meant for a valid token without enough rights, which a
 * single admin token cannot have). The exception goes through the API's exception handler, so the body is the same
 * problem+json as every other error.
 */
class AdminAuthInterceptor implements HandlerInterceptor {

    static final String REALM = "fcfs-admin";

    private static final String BEARER = "Bearer ";

    private final AdminToken token;

    /** The HTTP methods guarded; empty: all. */
    private final Set<String> methods;

    AdminAuthInterceptor(AdminToken token) {
        this(token, Set.of());
    }

    AdminAuthInterceptor(AdminToken token, Set<String> methods) {
        this.token = token;
        this.methods = Set.copyOf(methods);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!this.methods.isEmpty() && !this.methods.contains(request.getMethod())) {
            return true;
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthorized("This operation requires an admin token: send 'Authorization: Bearer <token>'.",
                    "Bearer realm=\"" + REALM + "\"");
        }
        if (!this.token.matches(authorization.substring(BEARER.length()).strip())) {
            throw unauthorized("The admin token is not valid.",
                    "Bearer realm=\"" + REALM + "\", error=\"invalid_token\"");
        }
        return true;
    }

    private static ErrorResponseException unauthorized(String detail, String challenge) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, detail);
        ErrorResponseException ex = new ErrorResponseException(HttpStatus.UNAUTHORIZED, problem, null);
        ex.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        return ex;
    }

}
