package dev.fcfs.producer.security;

import org.junit.jupiter.api.Test;

import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class JwtModeStartupTests {

    @Test
    void refusesToStartInJwtModeWithoutTheIssuersKeys() {
        new ApplicationContextRunner().withPropertyValues("reservation.identity.mode=jwt")
            .withBean(IdentityProperties.class,
                    () -> new IdentityProperties(IdentityProperties.Mode.JWT, "sub", "SCOPE_reservations:admin"))
            .withBean(OAuth2ResourceServerProperties.class)
            .withUserConfiguration(SecurityConfiguration.JwtModeConfiguration.class)
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("reservation.identity.mode=jwt")
                    .hasMessageContaining("spring.security.oauth2.resourceserver.jwt.jwk-set-uri")
                    .hasMessageContaining("issuer-uri");
            });
    }

}
