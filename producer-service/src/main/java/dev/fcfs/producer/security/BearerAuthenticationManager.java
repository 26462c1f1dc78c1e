package dev.fcfs.producer.security;

import dev.fcfs.producer.admin.AdminToken;
import org.jspecify.annotations.Nullable;

import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * Authenticates the bearer token of an admin request: the static admin token first (a digest compare in constant
 * time, see {@link AdminToken}), and otherwise, in jwt mode, the JWT provider; in body mode any other token is
 * invalid. The reservation routes of jwt mode use the JWT provider alone: they never pay for the digest.
 */
final class BearerAuthenticationManager implements AuthenticationManager {

    private final AdminToken adminToken;

    private final String adminAuthority;

    private final @Nullable AuthenticationProvider jwt;

    BearerAuthenticationManager(AdminToken adminToken, String adminAuthority, @Nullable AuthenticationProvider jwt) {
        this.adminToken = adminToken;
        this.adminAuthority = adminAuthority;
        this.jwt = jwt;
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        if (!(authentication instanceof BearerTokenAuthenticationToken bearer)) {
            throw new InvalidBearerTokenException("Only bearer tokens are accepted.");
        }
        if (this.adminToken.matches(bearer.getToken())) {
            return ServiceAuthentication.adminToken(this.adminAuthority);
        }
        if (this.jwt == null) {
            throw new InvalidBearerTokenException("The admin token is not valid.");
        }
        return this.jwt.authenticate(bearer);
    }

}
