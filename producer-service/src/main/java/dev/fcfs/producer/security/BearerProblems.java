package dev.fcfs.producer.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * The 401 and 403 answers of the security chain: an RFC 6750 {@code WWW-Authenticate: Bearer} challenge (no
 * {@code error} when no token was sent, {@code error="invalid_token"} for a token that does not verify,
 * {@code error="insufficient_scope"} for one without the rights), with a problem+json body written by the API's own
 * exception handler, as for every other error.
 */
public final class BearerProblems {

    private final HandlerExceptionResolver resolver;

    BearerProblems(HandlerExceptionResolver resolver) {
        this.resolver = resolver;
    }

    AuthenticationEntryPoint entryPoint(String realm) {
        return (request, response, ex) -> {
            OAuth2Error error = (ex instanceof OAuth2AuthenticationException oauth) ? oauth.getError() : null;
            if (error == null) {
                answer(request, response, HttpStatus.UNAUTHORIZED,
                        "This operation requires a bearer token: send 'Authorization: Bearer <token>'.",
                        "Bearer realm=\"" + realm + "\"", ex);
                return;
            }
            HttpStatus status = (error instanceof BearerTokenError bearer) ? bearer.getHttpStatus()
                    : HttpStatus.UNAUTHORIZED;
            String description = (error.getDescription() != null) ? error.getDescription() : "The token is not valid.";
            answer(request, response, status, "The bearer token was refused: " + description,
                    challenge(realm, error.getErrorCode(), description), ex);
        };
    }

    AccessDeniedHandler accessDenied(String realm, String detail) {
        return (request, response, ex) -> answer(request, response, HttpStatus.FORBIDDEN, detail,
                challenge(realm, "insufficient_scope", detail), ex);
    }

    /** A challenge for a refusal raised outside the chain (by a handler), for the same realm as the chain's. */
    public static String challenge(String realm, String error, String description) {
        return "Bearer realm=\"" + realm + "\", error=\"" + error + "\", error_description=\""
                + description.replaceAll("[\"\\\\\\p{Cntrl}]", "'") + "\"";
    }

    private void answer(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail,
            String challenge, @Nullable Throwable cause) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        ErrorResponseException refusal = new ErrorResponseException(status, problem, cause);
        refusal.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        // the controllers' exception handler writes the problem (and its type) exactly as for any other error
        if (this.resolver.resolveException(request, response, null, refusal) == null) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
            response.setStatus(status.value());
        }
    }

}
