package dev.fcfs.producer.security;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A request authenticated by something the service itself knows rather than by a user's token: the static admin
 * token (the admin authority and nothing else) or the start-up warm-up's secret (no authority, no user). Neither keeps
 * a credential: the admin token exists only as its digest ({@code AdminToken}).
 */
final class ServiceAuthentication extends AbstractAuthenticationToken {

    /** The start-up warm-up's own requests. */
    static final ServiceAuthentication WARMUP = new ServiceAuthentication("start-up warm-up", List.of());

    private final String principal;

    private ServiceAuthentication(String principal, List<SimpleGrantedAuthority> authorities) {
        super(authorities);
        this.principal = principal;
        setAuthenticated(true);
    }

    /** The static admin token's: it holds the admin authority. */
    static ServiceAuthentication adminToken(String adminAuthority) {
        return new ServiceAuthentication("admin-token", List.of(new SimpleGrantedAuthority(adminAuthority)));
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return this.principal;
    }

}
