package dev.fcfs.producer.openapi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.fcfs.producer.admin.AdminIntegrationSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's error table is what users read first, the OpenAPI document is what their clients are generated from:
 * they must tell the same story. Compared per status: the statuses themselves, the problem types each can carry, and
 * whether it comes with {@code Retry-After}.
 */
class ReadmeErrorTableIntegrationTests extends AdminIntegrationSupport {

    private static final Path README = Path.of("..", "README.md");

    private static final Pattern PROBLEM_TYPE = Pattern.compile("/problems/[a-z-]+");

    /**
     * Answered for a method that no operation of the path has: OpenAPI describes operations, so it has nowhere to
     * list it.
     */
    private static final String METHOD_NOT_ALLOWED = "405";

    @Test
    void readmeErrorTableListsTheStatusesProblemTypesAndRetryAfterOfTheOpenApiDocument() throws IOException {
        Map<String, Row> readme = readmeRows();
        Map<String, Row> openApi = openApiRows(body(get("/v3/api-docs")));

        assertThat(readme).containsKey(METHOD_NOT_ALLOWED);
        readme.remove(METHOD_NOT_ALLOWED);
        assertThat(readme.keySet()).as("statuses").isEqualTo(openApi.keySet());
        readme.forEach((status, row) -> {
            assertThat(row.types()).as("problem types of %s", status).isEqualTo(openApi.get(status).types());
            assertThat(row.retryAfter()).as("Retry-After with %s", status).isEqualTo(openApi.get(status).retryAfter());
        });
    }

    /** The rows of the table under {@code ### Errors}: status, problem type, Retry-After, when. */
    private static Map<String, Row> readmeRows() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int start = lines.indexOf("### Errors");
        assertThat(start).as("### Errors in " + README.toAbsolutePath()).isNotNegative();
        Map<String, Row> rows = new TreeMap<>();
        boolean inTable = false;
        for (String line : lines.subList(start + 1, lines.size())) {
            if (!line.startsWith("|")) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            String[] cells = line.split("\\|", -1);
            String status = cells[1].strip();
            if (status.matches("[45]\\d\\d")) {
                rows.put(status, new Row(types(cells[2]), !cells[3].isBlank()));
            }
        }
        assertThat(rows).as("rows of the README's error table").isNotEmpty();
        return rows;
    }

    /** Every error response of every operation, merged by status. */
    private static Map<String, Row> openApiRows(JsonNode spec) {
        Map<String, Row> rows = new TreeMap<>();
        for (JsonNode path : spec.path("paths")) {
            for (JsonNode operation : path) {
                for (String status : operation.path("responses").propertyNames()) {
                    if (status.startsWith("4") || status.startsWith("5")) {
                        String description = operation.path("responses").path(status).path("description").asString();
                        Row row = new Row(types(description), description.contains("Retry-After"));
                        rows.merge(status, row, Row::plus);
                    }
                }
            }
        }
        assertThat(rows).as("error responses in the OpenAPI document").isNotEmpty();
        return rows;
    }

    private static Set<String> types(String text) {
        Set<String> types = new TreeSet<>();
        Matcher matcher = PROBLEM_TYPE.matcher(text);
        while (matcher.find()) {
            types.add(matcher.group());
        }
        return types;
    }

    private record Row(Set<String> types, boolean retryAfter) {

        Row plus(Row other) {
            Set<String> all = new TreeSet<>(this.types);
            all.addAll(other.types);
            return new Row(all, this.retryAfter || other.retryAfter);
        }

    }

}
