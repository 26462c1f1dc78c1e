package dev.fcfs.producer.admin;

import java.net.http.HttpResponse;

import dev.fcfs.producer.ProducerIntegrationSupport;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ProducerIntegrationSupport} with a known admin token, for the tests of the operator features. Every subclass
 * shares one application context.
 */
@TestPropertySource(properties = "reservation.admin.token=" + AdminIntegrationSupport.ADMIN_TOKEN)
public abstract class AdminIntegrationSupport extends ProducerIntegrationSupport {

    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    protected static final String[] AUTH = { "Authorization", "Bearer " + ADMIN_TOKEN };

    /** {@code POST /events} with the admin token; asserts the 201. */
    protected long createEventAsAdmin(String name, int capacity) {
        HttpResponse<String> response = postJson("/events", "{\"name\":\"" + name + "\",\"capacity\":" + capacity + "}",
                AUTH);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return body(response).path("id").asLong();
    }

    protected HttpResponse<String> adminGet(String path) {
        return send(request(path).header(AUTH[0], AUTH[1]).GET());
    }

}
