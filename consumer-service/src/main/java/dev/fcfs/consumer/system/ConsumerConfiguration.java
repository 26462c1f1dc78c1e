package dev.fcfs.consumer.system;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import dev.fcfs.consumer.worker.ConsumerIdentity;
import dev.fcfs.consumer.worker.WorkerProperties;
import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.QueueProperties;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The shared queue model, wired for the consumer. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ QueueProperties.class, WorkerProperties.class })
class ConsumerConfiguration {

    @Bean
    QueueKeys queueKeys(QueueProperties properties) {
        return new QueueKeys(properties);
    }

    @Bean
    JobCodec jobCodec() {
        return new JobCodec();
    }

    @Bean
    ConsumerIdentity consumerIdentity(WorkerProperties properties) {
        if (!properties.instanceId().isBlank()) {
            return new ConsumerIdentity(properties.instanceId());
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException ex) {
            host = "unknown-host";
        }
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return new ConsumerIdentity(host + "-" + ProcessHandle.current().pid() + "-" + suffix);
    }

}
