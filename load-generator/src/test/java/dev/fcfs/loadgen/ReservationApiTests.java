package dev.fcfs.loadgen;

import java.util.List;
import java.util.Map;

import dev.fcfs.loadgen.ReservationApi.Answer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

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

}
