package dev.fcfs.producer.web;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

class ApiPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
        .withUserConfiguration(Enabled.class);

    @Test
    void defaultsToADayOfIdempotency16KbBodiesAndOneSecondRetryAfter() {
        this.runner.run((context) -> {
            ApiProperties properties = context.getBean(ApiProperties.class);
            assertThat(properties.idempotencyTtl()).isEqualTo(Duration.ofHours(24));
            assertThat(properties.idempotencyTtlSeconds()).isEqualTo(86_400);
            assertThat(properties.maxBodySize()).isEqualTo(DataSize.ofKilobytes(16));
            assertThat(properties.retryAfterSeconds()).isEqualTo(1);
        });
    }

    @Test
    void roundsRetryAfterUpToWholeSeconds() {
        this.runner.withPropertyValues("reservation.api.retry-after=1500ms")
            .run((context) -> assertThat(context.getBean(ApiProperties.class).retryAfterSeconds()).isEqualTo(2));
    }

    @Test
    void refusesToStartWithAnIdempotencyTtlUnderASecond() {
        this.runner.withPropertyValues("reservation.api.idempotency-ttl=500ms")
            .run((context) -> assertThat(context).hasFailed());
    }

    @Test
    void refusesToStartWithoutAPositiveBodyCap() {
        this.runner.withPropertyValues("reservation.api.max-body-size=0")
            .run((context) -> assertThat(context).hasFailed());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ApiProperties.class)
    static class Enabled {

    }

}
