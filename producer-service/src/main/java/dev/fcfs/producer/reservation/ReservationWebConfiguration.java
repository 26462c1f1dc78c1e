package dev.fcfs.producer.reservation;

import java.util.List;

import dev.fcfs.producer.security.CallerIdentity;
import jakarta.validation.Validator;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Reads {@link ReservationRequest} handler arguments with {@link ReservationRequestResolver}. */
@Configuration(proxyBeanMethods = false)
class ReservationWebConfiguration implements WebMvcConfigurer {

    private final JsonMapper mapper;

    private final Validator validator;

    private final CallerIdentity identity;

    ReservationWebConfiguration(JsonMapper mapper, Validator validator, CallerIdentity identity) {
        this.mapper = mapper;
        this.validator = validator;
        this.identity = identity;
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new ReservationRequestResolver(this.mapper, this.validator, this.identity));
    }

}
