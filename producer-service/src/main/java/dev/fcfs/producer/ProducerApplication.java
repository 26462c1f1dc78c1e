package dev.fcfs.producer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;

/**
 * Starts the producer: the REST API in front of the Redis queue. Of Boot's security auto-configuration, the
 * generated in-memory user is left out (nothing here logs in with a password), and so is the registration of the
 * security filter for every URL ({@code security/SecurityConfiguration} registers it behind a gate).
 */
@SpringBootApplication(exclude = { UserDetailsServiceAutoConfiguration.class, SecurityFilterAutoConfiguration.class })
public class ProducerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ProducerApplication.class, args);
    }

}
