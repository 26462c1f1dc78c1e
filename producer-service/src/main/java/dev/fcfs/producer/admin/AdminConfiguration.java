package dev.fcfs.producer.admin;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin token. Which paths need it, and how it is checked, is the security chain's business
 * ({@code security/SecurityConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
class AdminConfiguration {

    @Bean
    AdminToken adminToken(AdminProperties properties) {
        return AdminToken.from(properties);
    }

}
