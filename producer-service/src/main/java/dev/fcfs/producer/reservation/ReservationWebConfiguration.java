package dev.fcfs.producer.reservation;

import java.util.List;

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

    ReservationWebConfiguration(JsonMapper mapper, Validator validator) {
        this.mapper = mapper;
        this.validator = validator;
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new ReservationRequestResolver(this.mapper, this.validator));
    }

}
