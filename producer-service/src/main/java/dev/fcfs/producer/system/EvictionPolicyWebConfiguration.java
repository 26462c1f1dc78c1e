package dev.fcfs.producer.system;

import dev.fcfs.shared.redis.EvictionPolicyGuard;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Puts the {@link EvictionPolicyInterceptor} in front of the requests that queue jobs. Web-layer slice tests, which
 * have no Redis and so no {@link EvictionPolicyGuard}, get no interceptor.
 */
@Configuration(proxyBeanMethods = false)
class EvictionPolicyWebConfiguration implements WebMvcConfigurer {

    private final ObjectProvider<EvictionPolicyGuard> guard;

    EvictionPolicyWebConfiguration(ObjectProvider<EvictionPolicyGuard> guard) {
        this.guard = guard;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        EvictionPolicyGuard evictionPolicy = this.guard.getIfAvailable();
        if (evictionPolicy != null) {
            // after the admin token check (order 0): an unauthenticated client learns nothing about Redis
            registry.addInterceptor(new EvictionPolicyInterceptor(evictionPolicy))
                .addPathPatterns(EvictionPolicyInterceptor.QUEUEING_PATHS)
                .order(10);
        }
    }

}
