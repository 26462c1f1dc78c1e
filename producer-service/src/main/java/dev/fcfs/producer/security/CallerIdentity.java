package dev.fcfs.producer.security;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * The user a reservation request was authenticated as, for the reservation routes: in jwt mode the verified token's
 * user claim, which the body's {@code userId} may only repeat; in body mode nobody (the body names the user).
 */
public final class CallerIdentity {

    private final boolean jwt;

    private final String userClaim;

    public CallerIdentity(IdentityProperties properties) {
        this.jwt = properties.mode() == IdentityProperties.Mode.JWT;
        this.userClaim = properties.userClaim();
    }

    /** Body mode: the body's user id is the user. */
    public static CallerIdentity body() {
        return new CallerIdentity(new IdentityProperties(IdentityProperties.Mode.BODY, "sub", "admin"));
    }

    /**
     * The authenticated user of this request, or null when the body names the user (body mode, and the start-up
     * warm-up's own requests in jwt mode). The value is the raw claim: the caller checks it as it checks a body's
     * user id.
     * @throws IllegalStateException in jwt mode, for a request that the security chain did not authenticate: the
     * routes that ask are all behind it, so this is a wiring mistake, and the request must not fall back to the body
     */
    public @Nullable String userOf(HttpServletRequest request) {
        if (!this.jwt) {
            return null;
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication instanceof JwtAuthenticationToken token) {
            return token.getName();
        }
        if (authentication == ServiceAuthentication.WARMUP) {
            return null;
        }
        throw new IllegalStateException("reservation.identity.mode=jwt, but " + request.getRequestURI()
                + " was not authenticated by a JWT");
    }

    /** The claim {@link #userOf} reads, for messages. */
    public String userClaim() {
        return this.userClaim;
    }

}
