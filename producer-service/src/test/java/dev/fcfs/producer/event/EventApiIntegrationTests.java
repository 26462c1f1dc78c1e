package dev.fcfs.producer.event;

import java.net.http.HttpResponse;

import dev.fcfs.producer.ProducerIntegrationSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /events} against real Redis and PostgreSQL. */
class EventApiIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void createsAnEventInPostgresAndRegistersItInRedis() {
        HttpResponse<String> response = postJson("/events", "{\"name\":\"Concert\",\"capacity\":500}");

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode body = body(response);
        long id = body.path("id").asLong();
        assertThat(id).isPositive();
        assertThat(response.headers().firstValue("Location")).hasValue("/events/" + id);
        assertThat(body.path("name").asString()).isEqualTo("Concert");
        assertThat(body.path("capacity").asInt()).isEqualTo(500);
        assertThat(body.path("reserved").asInt()).isZero();
        assertThat(body.path("remaining").asInt()).isEqualTo(500);

        assertThat(this.jdbc.sql("SELECT name FROM events WHERE id = ?").param(id).query(String.class).single())
            .isEqualTo("Concert");
        assertThat(eventField(id, "capacity")).isEqualTo("500");
        assertThat(eventField(id, "seq")).isEqualTo("0");
    }

    @Test
    void showsConfirmedSeatsFromPostgres() {
        long id = createEvent("Counted", 10);
        // the consumer's count of confirmed seats
        this.jdbc.sql("UPDATE events SET reserved = 4 WHERE id = ?").param(id).update();

        HttpResponse<String> response = get("/events/" + id);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = body(response);
        assertThat(body.path("id").asLong()).isEqualTo(id);
        assertThat(body.path("name").asString()).isEqualTo("Counted");
        assertThat(body.path("capacity").asInt()).isEqualTo(10);
        assertThat(body.path("reserved").asInt()).isEqualTo(4);
        assertThat(body.path("remaining").asInt()).isEqualTo(6);
    }

    @Test
    void acceptsTheLimitsOfNameAndCapacity() {
        String name = "n".repeat(200);
        HttpResponse<String> response = postJson("/events", "{\"name\":\"" + name + "\",\"capacity\":1000000}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(body(response).path("name").asString()).isEqualTo(name);
        assertThat(postJson("/events", "{\"name\":\"x\",\"capacity\":1}").statusCode()).isEqualTo(201);
    }

    @Test
    void answers404ForAnUnknownEvent() {
        long unknown = createEvent("Known", 1) + 1_000_000;

        assertProblem(get("/events/" + unknown), 404);
    }

}
