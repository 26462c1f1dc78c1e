package dev.fcfs.producer.security;

import java.util.Collection;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * A verified JWT as an authentication: named by the configured user claim (empty when the claim is missing, which
 * the reservation routes then refuse as not a valid user id), with the authorities Spring Security's converter reads
 * from the scopes (or the claim Boot's {@code authorities-claim-name} names).
 */
final class UserJwtConverter implements Converter<Jwt, AbstractAuthenticationToken> {

    private final Converter<Jwt, Collection<GrantedAuthority>> authorities;

    private final String userClaim;

    UserJwtConverter(Converter<Jwt, Collection<GrantedAuthority>> authorities, String userClaim) {
        this.authorities = authorities;
        this.userClaim = userClaim;
    }

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        Object user = jwt.getClaims().get(this.userClaim);
        return new JwtAuthenticationToken(jwt, this.authorities.convert(jwt), (user != null) ? user.toString() : "");
    }

}
