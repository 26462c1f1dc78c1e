package dev.fcfs.producer.warmup;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.producer.security.TestIssuer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In jwt mode the start-up warm-up, which has no token, still drives the real accept path: its own requests (scratch
 * events, the run's secret) are let through the reservation routes' security chain.
 */
@TestPropertySource(properties = { "reservation.warmup.enabled=true", "reservation.warmup.max-duration=4s",
        "reservation.warmup.connections=4" })
class JwtModeWarmupIntegrationTests extends ProducerIntegrationSupport {

    @Autowired
    private ProducerWarmup warmup;

    @DynamicPropertySource
    static void jwtMode(DynamicPropertyRegistry registry) {
        registry.add("reservation.identity.mode", () -> "jwt");
        registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TestIssuer.get()::jwkSetUri);
    }

    @Test
    void drivesTheAcceptPathWithoutATokenBeforeReadiness() {
        ProducerWarmup.Result result = this.warmup.result();

        assertThat(result).isNotNull();
        assertThat(result.accepted()).isPositive();
        assertThat(result.polled()).isPositive();
        assertThat(result.failed()).isZero();
    }

    @Test
    void stillRefusesTheScratchIdsWithoutATokenAfterIt() {
        assertProblem(reserve(dev.fcfs.shared.warmup.ScratchRuns.openEvent(0), "u-1"), 401);
    }

}
