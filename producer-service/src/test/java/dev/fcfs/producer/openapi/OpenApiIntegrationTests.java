package dev.fcfs.producer.openapi;

import java.util.List;

import dev.fcfs.producer.admin.AdminIntegrationSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** The live OpenAPI description at {@code /v3/api-docs} and Swagger UI. */
class OpenApiIntegrationTests extends AdminIntegrationSupport {

    @Test
    void describesTheReservationEndpointsWithTheirStatusesAndProblemShapes() {
        JsonNode spec = body(get("/v3/api-docs"));

        JsonNode reserve = spec.path("paths").path("/events/{eventId}/reservations").path("post");
        assertThat(reserve.path("responses").propertyNames())
            .contains("202", "400", "404", "409", "429", "503").doesNotContain("200");
        for (String status : List.of("400", "404", "409", "429", "503")) {
            assertThat(reserve.path("responses").path(status).path("content").path("application/problem+json")
                .path("schema").path("$ref").asString()).as(status).isEqualTo("#/components/schemas/ProblemDetail");
        }
        assertThat(reserve.path("responses").path("202").path("content").toString()).contains("position");
        JsonNode status = spec.path("paths").path("/reservations/{reservationId}").path("get");
        assertThat(status.path("responses").propertyNames()).contains("200", "400", "404", "503");
        JsonNode problem = spec.path("components").path("schemas").path("ProblemDetail");
        assertThat(problem.path("properties").propertyNames())
            .contains("type", "title", "status", "detail", "instance");
    }

    @Test
    void documentsTheAdminOperationsWithTheBearerScheme() {
        JsonNode spec = body(get("/v3/api-docs"));

        assertThat(spec.path("components").path("securitySchemes").path("adminToken").path("scheme").asString())
            .isEqualTo("bearer");
        JsonNode create = spec.path("paths").path("/events").path("post");
        assertThat(create.path("security").toString()).contains("adminToken");
        assertThat(create.path("responses").propertyNames()).contains("201", "401");
        JsonNode requeue = spec.path("paths").path("/admin/dead-letters/{shard}/{entryId}/requeue").path("post");
        assertThat(requeue.path("security").toString()).contains("adminToken");
        JsonNode reserve = spec.path("paths").path("/events/{eventId}/reservations").path("post");
        // no credential (body mode) or the user's JWT (jwt mode); never the admin token
        assertThat(reserve.path("security").toString()).isEqualTo("[{},{\"userJwt\":[]}]");
        assertThat(reserve.path("responses").propertyNames()).contains("401", "403");
        assertThat(spec.path("components").path("securitySchemes").path("userJwt").path("bearerFormat").asString())
            .isEqualTo("JWT");
        JsonNode patch = spec.path("paths").path("/events/{eventId}").path("patch");
        assertThat(patch.path("security").toString()).contains("adminToken");
        assertThat(patch.path("responses").propertyNames()).contains("200", "400", "401", "404", "409");
        assertThat(patch.path("responses").path("409").path("description").asString()).contains("already-open");
        assertThat(spec.path("paths").path("/events/{eventId}").path("get").has("security")).isFalse();
    }

    @Test
    void documentsTheSaleWindowRefusalsOfTheAcceptRoute() {
        JsonNode spec = body(get("/v3/api-docs"));

        String conflict = spec.path("paths").path("/events/{eventId}/reservations").path("post").path("responses")
            .path("409").path("description").asString();
        assertThat(conflict).contains("/problems/not-open", "Retry-After", "/problems/closed");
    }

    @Test
    void servesSwaggerUi() {
        var response = send(request("/swagger-ui.html").GET());
        // springdoc redirects to /swagger-ui/index.html
        assertThat(response.statusCode()).isIn(200, 302);
        assertThat(get("/swagger-ui/index.html").statusCode()).isEqualTo(200);
    }

}
