package dev.fcfs.producer.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** The count of reservation requests by outcome, taken around every other filter. */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    @Bean
    FilterRegistrationBean<ReservationOutcomeMetrics> reservationOutcomeMetrics(MeterRegistry registry) {
        FilterRegistrationBean<ReservationOutcomeMetrics> registration = new FilterRegistrationBean<>(
                new ReservationOutcomeMetrics(registry));
        // Outermost, before the body-size filter: its 413 answers are counted too.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

}
