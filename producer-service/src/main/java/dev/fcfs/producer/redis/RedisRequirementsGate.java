package dev.fcfs.producer.redis;

import dev.fcfs.producer.web.ServiceUnavailableException;
import dev.fcfs.shared.redis.RedisRequirements;
import dev.fcfs.shared.redis.RedisRequirementsException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Answers 503 (with {@code Retry-After}) to the requests that put jobs into the queues, reservations and dead-letter
 * requeues, while Redis does not meet the {@link RedisRequirements} or has not been checked yet. Reads and event
 * creation go on: PostgreSQL answers them, and an event is registered in Redis on its first reservation anyway.
 * Web-layer slice tests, which have no Redis and so no {@link RedisRequirements}, get no gate.
 */
@Configuration(proxyBeanMethods = false)
class RedisRequirementsGate implements WebMvcConfigurer {

    private final ObjectProvider<RedisRequirements> requirements;

    RedisRequirementsGate(ObjectProvider<RedisRequirements> requirements) {
        this.requirements = requirements;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        this.requirements.ifAvailable((redis) -> registry.addInterceptor(new HandlerInterceptor() {

            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
                String method = request.getMethod();
                if (!"GET".equals(method) && !"HEAD".equals(method) && !"OPTIONS".equals(method)) {
                    try {
                        redis.requireMet();
                    }
                    catch (RedisRequirementsException ex) {
                        throw new ServiceUnavailableException(ex.getMessage());
                    }
                }
                return true;
            }

        }).addPathPatterns("/events/*/reservations", "/admin/dead-letters/**"));
    }

}
