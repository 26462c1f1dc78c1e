package dev.fcfs.producer.admin;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * The admin token. Which paths need it, and how it is checked, is the security chain's business
 * ({@code security/SecurityConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
class AdminConfiguration {

    @Bean
    AdminToken adminToken(AdminProperties properties, Environment environment) {
        boolean structuredLogs = StringUtils.hasText(environment.getProperty("logging.structured.format.console"))
                || StringUtils.hasText(environment.getProperty("logging.structured.format.file"));
        return AdminToken.from(properties, structuredLogs);
    }

}
