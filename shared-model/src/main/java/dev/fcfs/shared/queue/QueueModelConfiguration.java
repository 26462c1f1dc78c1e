package dev.fcfs.shared.queue;

import dev.fcfs.shared.job.JobCodec;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The shared queue model as beans, for both services to {@code @Import}: the bound {@link QueueProperties}, the
 * {@link QueueKeys} built from them, and the {@link JobCodec}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(QueueProperties.class)
public class QueueModelConfiguration {

    @Bean
    QueueKeys queueKeys(QueueProperties properties) {
        return new QueueKeys(properties);
    }

    @Bean
    JobCodec jobCodec() {
        return new JobCodec();
    }

}
