package dev.fcfs.producer.openapi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Completes springdoc's generated description. The status codes and errors of each operation are listed here in one
 * table ({@link #RESPONSES}) rather than as annotations on the controllers, so that the hand-tuned accept route
 * carries none of them; {@code OpenApiIntegrationTests} checks the table against the live spec.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM_SCHEMA = "ProblemDetail";

    static final String ADMIN_SCHEME = "adminToken";

    static final String USER_SCHEME = "userJwt";

    /** The operations whose user is the caller's in jwt mode. */
    private static final Set<String> USER_OPERATIONS = Set.of("POST /events/{eventId}/reservations",
            "GET /reservations/{reservationId}");

    static final String PROBLEM_JSON = "application/problem+json";

    /** Operation ("METHOD path") → its error statuses with their meaning. */
    private static final Map<String, Map<String, String>> RESPONSES = new LinkedHashMap<>();

    static {
        RESPONSES.put("POST /events/{eventId}/reservations", errors(
                "400", "Malformed or invalid body, non-numeric event id, bad Idempotency-Key",
                "401", "jwt mode (reservation.identity.mode=jwt): missing, expired or invalid bearer JWT "
                        + "(WWW-Authenticate: Bearer)",
                "403", "jwt mode: the body's userId is not the token's user (type /problems/user-mismatch), or the "
                        + "token names no valid user (type /problems/invalid-user-claim); nothing queued",
                "404", "Unknown event",
                "408", "Body still arriving after reservation.api.request-body-timeout",
                "409", "Sold out: every seat is committed (\"reason\":\"SOLD_OUT\"); or the sale window has not opened "
                        + "(type /problems/not-open, \"opensAt\", Retry-After: seconds until it opens by Redis's "
                        + "clock) or has closed (type /problems/closed, \"closesAt\"); nothing queued, "
                        + "no position used",
                "413", "Body over reservation.api.max-body-size",
                "415", "Content-Type is not application/json",
                "429", "The event's shard queue is full (backpressure); Retry-After; nothing queued",
                "503", "Redis unreachable, or full (type /problems/queue-storage-full: nothing queued); Retry-After; "
                        + "retry with the same Idempotency-Key"));
        RESPONSES.put("GET /reservations/{reservationId}", errors(
                "400", "Not a UUID in canonical form",
                "401", "jwt mode: missing, expired or invalid bearer JWT (WWW-Authenticate: Bearer)",
                "404", "Neither pending nor decided; in jwt mode also another user's reservation",
                "503", "Redis and PostgreSQL cannot answer; Retry-After"));
        RESPONSES.put("GET /events/{eventId}", errors(
                "400", "Non-numeric event id",
                "404", "Unknown event",
                "503", "PostgreSQL unreachable; Retry-After"));
        RESPONSES.put("PATCH /events/{eventId}", errors(
                "400", "Malformed body, unknown field, instant without offset, or closesAt not after opensAt",
                "401", "Missing or wrong admin token (WWW-Authenticate: Bearer)",
                "403", "jwt mode: a valid JWT without the admin authority",
                "404", "Unknown event",
                "409", "The event has opened by Redis's clock (type /problems/already-open): nothing changed",
                "415", "Content-Type is not application/json or application/merge-patch+json",
                "503", "Redis or PostgreSQL unreachable; Retry-After"));
        RESPONSES.put("POST /events", errors(
                "400", "Malformed or invalid body (opensAt/closesAt: ISO-8601 instants with offset, closesAt after "
                        + "opensAt)",
                "401", "Missing or wrong admin token (WWW-Authenticate: Bearer)",
                "403", "jwt mode: a valid JWT without the admin authority",
                "413", "Body over reservation.api.max-body-size",
                "415", "Content-Type is not application/json",
                "503", "PostgreSQL unreachable; Retry-After"));
        RESPONSES.put("GET /admin/dead-letters", errors(
                "400", "limit outside 1..1000",
                "401", "Missing or wrong admin token (WWW-Authenticate: Bearer)",
                "403", "jwt mode: a valid JWT without the admin authority",
                "503", "Redis unreachable; Retry-After"));
        RESPONSES.put("POST /admin/dead-letters/{shard}/{entryId}/requeue", errors(
                "400", "entryId is not 40 lower-case hex digits",
                "401", "Missing or wrong admin token (WWW-Authenticate: Bearer)",
                "403", "jwt mode: a valid JWT without the admin authority",
                "404", "No such shard, or no entry with that content hash (requeued or discarded meanwhile)",
                "503", "Redis unreachable; Retry-After"));
        RESPONSES.put("POST /admin/dead-letters/{shard}/requeue-all", errors(
                "401", "Missing or wrong admin token (WWW-Authenticate: Bearer)",
                "403", "jwt mode: a valid JWT without the admin authority",
                "404", "No such shard",
                "503", "Redis unreachable; Retry-After"));
        RESPONSES.put("DELETE /admin/dead-letters/{shard}/{entryId}", errors(
                "400", "entryId malformed, or no 'reason' given",
                "401", "Missing or wrong admin token (WWW-Authenticate: Bearer)",
                "403", "jwt mode: a valid JWT without the admin authority",
                "404", "No such shard, or no entry with that content hash",
                "503", "Redis unreachable; Retry-After"));
    }

    /**
     * Success statuses springdoc cannot see through {@code ResponseEntity} (it would say 200), or that a handler
     * declares with {@code @ApiResponse} and that get their description here.
     */
    private static final Map<String, String> SUCCESS = Map.of(
            "POST /events/{eventId}/reservations", "202",
            "PATCH /events/{eventId}", "200",
            "POST /events", "201",
            "DELETE /admin/dead-letters/{shard}/{entryId}", "204");

    @Bean
    OpenAPI reservationOpenApi() {
        return new OpenAPI()
            .info(new Info().title("fcfs-reservations producer API")
                .version("v1")
                .description("First-come-first-served seat reservations. POST a reservation request and get 202 with "
                        + "a place in line; poll GET /reservations/{id} for the decision. Every error is an RFC 9457 "
                        + "application/problem+json document. POST /events, PATCH /events/{id} and /admin/** need "
                        + "'Authorization: Bearer <reservation.admin.token>'."))
            .components(new Components().addSecuritySchemes(ADMIN_SCHEME, new SecurityScheme()
                .type(SecurityScheme.Type.HTTP)
                .scheme("bearer")
                .description("The admin token: property reservation.admin.token (env RESERVATION_ADMIN_TOKEN), or "
                        + "the one generated at start-up when none is configured; in jwt mode also a JWT with the "
                        + "admin authority (reservation.identity.admin-authority)."))
                .addSecuritySchemes(USER_SCHEME, new SecurityScheme()
                    .type(SecurityScheme.Type.HTTP)
                    .scheme("bearer")
                    .bearerFormat("JWT")
                    .description("jwt mode only (reservation.identity.mode=jwt): the issuer's JWT; its user claim is "
                            + "the reservation's user. In body mode these operations need no credential.")))
            .tags(List.of(new Tag().name("reservations").description("Ask for a seat, poll the outcome"),
                    new Tag().name("events").description("Create (admin) and read events"),
                    new Tag().name("admin").description("Dead letters; needs the admin token"),
                    new Tag().name("dashboard").description("Aggregates for the /dashboard page; no user ids")));
    }

    @Bean
    OpenApiCustomizer problemResponses() {
        return (openApi) -> {
            openApi.getComponents().addSchemas(PROBLEM_SCHEMA, problemSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                String key = method.name() + " " + path;
                tag(path, operation);
                complete(key, operation);
                if (path.startsWith("/admin/") || key.equals("POST /events") || key.equals("PATCH /events/{eventId}")) {
                    operation.setSecurity(List.of(new SecurityRequirement().addList(ADMIN_SCHEME)));
                }
                else if (USER_OPERATIONS.contains(key)) {
                    // none in body mode, a JWT in jwt mode: both alternatives are listed
                    operation.setSecurity(
                            List.of(new SecurityRequirement(), new SecurityRequirement().addList(USER_SCHEME)));
                }
            }));
            examples(openApi);
        };
    }

    private static void tag(String path, Operation operation) {
        String tag = path.startsWith("/admin/") ? "admin" : path.startsWith("/dashboard") ? "dashboard"
                : path.contains("reservations") ? "reservations" : "events";
        operation.setTags(List.of(tag));
    }

    private static void complete(String key, Operation operation) {
        ApiResponses responses = (operation.getResponses() != null) ? operation.getResponses() : new ApiResponses();
        // springdoc copies the advice's handlers into every operation; this table says which ones really apply
        responses.keySet().removeIf((status) -> status.startsWith("4") || status.startsWith("5"));
        String success = SUCCESS.get(key);
        ApiResponse ok = (success == null) ? null
                : responses.containsKey("200") ? responses.remove("200") : responses.get(success);
        if (ok != null) {
            ok.setDescription(switch (success) {
                case "202" -> "Accepted: in line with a position; nothing decided yet";
                case "201" -> "Created; Location names the event";
                case "200" -> "The event with its new sale window";
                default -> "Done";
            });
            if (success.equals("204")) {
                ok.setContent(null);
            }
            responses.addApiResponse(success, ok);
        }
        Map<String, String> errors = RESPONSES.getOrDefault(key, Map.of());
        errors.forEach((status, description) -> responses.addApiResponse(status, problemResponse(description)));
        responses.addApiResponse("500", problemResponse("Unexpected error (logged)"));
        operation.setResponses(responses);
    }

    private static ApiResponse problemResponse(String description) {
        return new ApiResponse().description(description)
            .content(new Content().addMediaType(PROBLEM_JSON,
                    new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM_SCHEMA))));
    }

    @SuppressWarnings({ "rawtypes", "unchecked" })
    private static Schema<?> problemSchema() {
        Schema schema = new ObjectSchema().description("RFC 9457 problem details. Validation errors add 'errors' "
                + "(field, message); a sold-out 409 adds 'reason': 'SOLD_OUT'; a not-open 409 adds 'opensAt', "
                + "a closed one 'closesAt', an already-open one 'opensAt'.")
            .addProperty("type", new StringSchema().format("uri").example("about:blank"))
            .addProperty("title", new StringSchema().example("Conflict"))
            .addProperty("status", new IntegerSchema().example(409))
            .addProperty("detail", new StringSchema().example("Event 1 is sold out: every seat is confirmed."))
            .addProperty("instance", new StringSchema().format("uri").example("/events/1/reservations"))
            .addProperty("reason", new StringSchema().example("SOLD_OUT"))
            .addProperty("errors", new io.swagger.v3.oas.models.media.ArraySchema().items(new ObjectSchema()
                .addProperty("field", new StringSchema().example("userId"))
                .addProperty("message", new StringSchema().example("must not be blank"))));
        schema.setRequired(List.of("type", "title", "status"));
        schema.setAdditionalProperties(Boolean.TRUE);
        return schema;
    }

    private static void examples(OpenAPI openApi) {
        PathItem reserve = openApi.getPaths().get("/events/{eventId}/reservations");
        if (reserve != null && reserve.getPost() != null) {
            Operation post = reserve.getPost();
            post.setSummary("Ask for a seat: answered at once with a place in line");
            exampleBody(post, "{\"userId\":\"u-123\"}");
            exampleResponse(post, "202", "{\"reservationId\":\"00000000-0001-8a3f-9c2e-5b7d0e4f1a22\",\"eventId\":1,"
                    + "\"userId\":\"u-123\",\"status\":\"PENDING\",\"position\":17}");
            exampleResponse(post, "409", "{\"type\":\"about:blank\",\"title\":\"Sold out\",\"status\":409,"
                    + "\"detail\":\"Event 1 is sold out: every seat is confirmed.\","
                    + "\"instance\":\"/events/1/reservations\",\"reason\":\"SOLD_OUT\"}");
            exampleResponse(post, "409", "{\"type\":\"/problems/not-open\",\"title\":\"Not open yet\",\"status\":409,"
                    + "\"detail\":\"Event 1 opens for reservations at 2026-12-24T18:00:00Z.\","
                    + "\"instance\":\"/events/1/reservations\",\"opensAt\":\"2026-12-24T18:00:00Z\"}", "notOpen");
            exampleResponse(post, "429", "{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                    + "\"detail\":\"The queue for event 1 is full. Retry later.\","
                    + "\"instance\":\"/events/1/reservations\"}");
        }
        PathItem status = openApi.getPaths().get("/reservations/{reservationId}");
        if (status != null && status.getGet() != null) {
            status.getGet().setSummary("Where a reservation stands: PENDING, CONFIRMED or REJECTED");
            exampleResponse(status.getGet(), "200", "{\"reservationId\":\"00000000-0001-8a3f-9c2e-5b7d0e4f1a22\","
                    + "\"eventId\":1,\"userId\":\"u-123\",\"position\":17,\"status\":\"CONFIRMED\",\"seatNumber\":17,"
                    + "\"reason\":null,\"acceptedAt\":\"2026-11-25T21:30:00.123Z\","
                    + "\"decidedAt\":\"2026-11-25T21:30:00.140Z\"}");
        }
        PathItem events = openApi.getPaths().get("/events");
        if (events != null && events.getPost() != null) {
            events.getPost().setSummary("Create an event (admin token)");
            exampleBody(events.getPost(), "{\"name\":\"Drop #1\",\"capacity\":500,"
                    + "\"opensAt\":\"2026-12-24T18:00:00Z\",\"closesAt\":\"2026-12-24T20:00:00Z\"}");
            exampleResponse(events.getPost(), "201", "{\"id\":1,\"name\":\"Drop #1\",\"capacity\":500,\"reserved\":0,"
                    + "\"remaining\":500,\"opensAt\":\"2026-12-24T18:00:00Z\",\"closesAt\":\"2026-12-24T20:00:00Z\"}");
        }
        PathItem event = openApi.getPaths().get("/events/{eventId}");
        if (event != null && event.getPatch() != null) {
            event.getPatch().setSummary("Move the sale window of an event that has not opened (admin token)");
            exampleBody(event.getPatch(), "{\"opensAt\":\"2026-12-24T19:00:00Z\",\"closesAt\":null}");
        }
    }

    private static void exampleBody(Operation operation, String json) {
        if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
            operation.getRequestBody().getContent().values()
                .forEach((media) -> media.addExamples("example", new Example().value(json)));
        }
    }

    private static void exampleResponse(Operation operation, String status, String json) {
        exampleResponse(operation, status, json, "example");
    }

    private static void exampleResponse(Operation operation, String status, String json, String name) {
        ApiResponse response = operation.getResponses().get(status);
        if (response != null && response.getContent() != null) {
            response.getContent().values().forEach((media) -> media.addExamples(name, new Example().value(json)));
        }
    }

    private static Map<String, String> errors(String... statusAndDescription) {
        Map<String, String> errors = new LinkedHashMap<>();
        for (int i = 0; i < statusAndDescription.length; i += 2) {
            errors.put(statusAndDescription[i], statusAndDescription[i + 1]);
        }
        return errors;
    }

}
