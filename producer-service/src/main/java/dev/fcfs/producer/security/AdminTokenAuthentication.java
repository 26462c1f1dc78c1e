package dev.fcfs.producer.security;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A request authenticated by the static admin token: it holds the admin authority and nothing else. */
final class AdminTokenAuthentication extends AbstractAuthenticationToken {

    AdminTokenAuthentication(String adminAuthority) {
        super(List.of(new SimpleGrantedAuthority(adminAuthority)));
        setAuthenticated(true);
    }

    @Override
    public Object getCredentials() {
        // the token itself is not kept: only its digest exists (AdminToken)
        return "";
    }

    @Override
    public Object getPrincipal() {
        return "admin-token";
    }

}
