package dev.fcfs.producer.system;

import dev.fcfs.shared.queue.QueueModelConfiguration;
import dev.fcfs.shared.redis.RedisRequirementsConfiguration;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;

/** The shared queue model, the start-up check of Redis's eviction policy and the API settings, wired for the producer. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ApiProperties.class)
@Import({ QueueModelConfiguration.class, RedisRequirementsConfiguration.class })
class ProducerConfiguration {

    @Bean
    FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(ApiProperties properties) {
        FilterRegistrationBean<BodySizeLimitFilter> registration = new FilterRegistrationBean<>(
                new BodySizeLimitFilter(properties.maxBodySize().toBytes(), properties.requestBodyTimeout()));
        // Right after Boot's character-encoding filter (HIGHEST_PRECEDENCE): refuse before anything reads the body.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }

    @Bean
    RequestHeaderDeadline requestHeaderDeadline(ApiProperties properties) {
        return new RequestHeaderDeadline(properties.requestHeaderTimeout());
    }

    @Bean
    FilterRegistrationBean<ContentTypeFilter> contentTypeFilter() {
        FilterRegistrationBean<ContentTypeFilter> registration = new FilterRegistrationBean<>(new ContentTypeFilter());
        // Before Spring MVC matches the request (its 'consumes' check parses the Content-Type), after the size check.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }

    @Bean
    FilterRegistrationBean<ReservationOutcomeMetrics> reservationOutcomeMetrics(MeterRegistry registry) {
        FilterRegistrationBean<ReservationOutcomeMetrics> registration = new FilterRegistrationBean<>(
                new ReservationOutcomeMetrics(registry));
        // Outermost, before the body-size filter: its 413 answers are counted too.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

}
