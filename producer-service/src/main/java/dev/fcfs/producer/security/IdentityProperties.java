package dev.fcfs.producer.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who a reservation's user is, bound from {@code reservation.identity.*}.
 *
 * @param mode {@code body}: the request body's {@code userId} is the user, trusted as sent (behind a gateway that has
 * authenticated the caller); {@code jwt}: the user is a claim of a bearer JWT, verified against the issuer's JWK set
 * ({@code spring.security.oauth2.resourceserver.jwt.jwk-set-uri} or {@code issuer-uri}, one of which is then
 * required)
 * @param userClaim the JWT claim that names the user (jwt mode); it must satisfy the rules of a body {@code userId}
 * @param adminAuthority the authority the admin paths require: the static admin token has it, and in jwt mode so has
 * a JWT whose scopes grant it (Spring Security maps scope {@code reservations:admin} to
 * {@code SCOPE_reservations:admin}; Boot's {@code spring.security.oauth2.resourceserver.jwt.authorities-claim-name}
 * and {@code authority-prefix} map a roles claim instead, e.g. {@code roles} with prefix {@code ROLE_} and
 * {@code ROLE_admin} here)
 */
@Validated
@ConfigurationProperties("reservation.identity")
public record IdentityProperties(
        @DefaultValue("body") @NotNull Mode mode,
        @DefaultValue("sub") @NotBlank String userClaim,
        @DefaultValue("SCOPE_reservations:admin") @NotBlank String adminAuthority) {

    /** Where the user of a reservation comes from. */
    public enum Mode {

        /** The body's {@code userId}, as sent. */
        BODY,

        /** A verified bearer JWT's user claim. */
        JWT

    }

}
