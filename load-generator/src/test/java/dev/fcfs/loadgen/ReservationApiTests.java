package dev.fcfs.loadgen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpServer;
import dev.fcfs.loadgen.ReservationApi.Answer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ReservationApiTests {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void writesUserIdsAsJsonStrings() {
        for (String userId : List.of("user-1", "quote\" back\\slash", "tab\there\u0001", "é ü 名")) {
            String literal = ReservationApi.jsonString(userId);

            assertThat(this.json.readTree("{\"userId\":" + literal + "}").get("userId").asString()).isEqualTo(userId);
        }
        assertThat(ReservationApi.jsonString("a\"b")).isEqualTo("\"a\\\"b\"");
    }

    @Test
    void answerHeadersCompareNamesInAnyCase() {
        Answer answer = new Answer(202, Map.of("location", List.of("/reservations/1"), "Retry-After", List.of()), "",
                null, this.json);

        assertThat(answer.header("Location")).isEqualTo("/reservations/1");
        assertThat(answer.header("LOCATION")).isEqualTo("/reservations/1");
        assertThat(answer.header("Retry-After")).isNull();
        assertThat(answer.header("Content-Type")).isNull();
    }

    @Test
    void sendsEachUsersTokenWithItsReservationsAndReadsOnly() throws IOException {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", (exchange) -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            seen.put(exchange.getRequestMethod() + " " + exchange.getRequestURI(),
                    (authorization != null) ? authorization : "none");
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        UUID id = UUID.randomUUID();
        try (ReservationApi api = new ReservationApi(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), "admin-token",
                Map.of("user-1", "token-of-1"))) {
            api.reserve(1, "user-1", null);
            api.reserve(2, "user-2", "key-2");
            api.reservation(id, "user-1");
        }
        finally {
            server.stop(0);
        }

        assertThat(seen).containsEntry("POST /events/1/reservations", "Bearer token-of-1")
            .containsEntry("POST /events/2/reservations", "none")
            .containsEntry("GET /reservations/" + id, "Bearer token-of-1");
    }

    @Test
    void readsUserTokensFromLinesOfUserAndToken(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("tokens.txt"),
                "# user token\nuser-0 aaa.bbb.ccc\n\n  user-1\tddd.eee.fff \n");

        assertThat(ReservationApi.readUserTokens(file)).containsExactlyInAnyOrderEntriesOf(
                Map.of("user-0", "aaa.bbb.ccc", "user-1", "ddd.eee.fff"));

        Files.writeString(file, "user-0 a\nuser-0 b\n");
        assertThatIllegalArgumentException().isThrownBy(() -> ReservationApi.readUserTokens(file))
            .withMessageContaining("named twice");
        Files.writeString(file, "user-0\n");
        assertThatIllegalArgumentException().isThrownBy(() -> ReservationApi.readUserTokens(file))
            .withMessageContaining(":1:");
    }

}
