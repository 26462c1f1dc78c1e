package dev.fcfs.producer.admin;

import java.util.Set;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** The admin token and the paths it guards. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
class AdminConfiguration implements WebMvcConfigurer {

    /** Every path that changes state other than reserving, or shows user ids. */
    static final String[] ADMIN_PATHS = { "/events", "/admin/**" };

    /** Paths where only some methods change state: {@code PATCH /events/{id}} moves a sale window. */
    static final String[] ADMIN_WRITE_PATHS = { "/events/*" };

    private final AdminToken token;

    AdminConfiguration(AdminProperties properties) {
        this.token = AdminToken.from(properties);
    }

    @Bean
    AdminToken adminToken() {
        return this.token;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new AdminAuthInterceptor(this.token)).addPathPatterns(ADMIN_PATHS);
        registry.addInterceptor(new AdminAuthInterceptor(this.token, Set.of(HttpMethod.PATCH.name())))
            .addPathPatterns(ADMIN_WRITE_PATHS);
    }

}
