package dev.fcfs.producer.reservation;

import java.util.Map;

import dev.fcfs.producer.ProducerIntegrationSupport;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's reference endpoint: same validation and answer shape as the real one, and no effect at all. Its
 * source (src/bench/java) is compiled with the tests, so this runs in every build although the jar leaves it out.
 */
@TestPropertySource(properties = "reservation.bench.noop-endpoint=true")
class NoopEndpointIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void validatesLikeTheRealEndpointAndAnswers202WithoutQueueing() {
        long eventId = createEvent("noop", 10);
        Map<String, Object> before = stateSnapshot();

        assertThat(postJson("/bench/noop/events/" + eventId + "/reservations", "{\"userId\":\"u-1\"}").statusCode())
            .isEqualTo(202);
        assertProblem(postJson("/bench/noop/events/" + eventId + "/reservations", "{\"userId\":\"\"}"), 400);
        assertProblem(postJson("/bench/noop/events/" + eventId + "/reservations", "{\"userId\":5}"), 400);

        assertThat(stateSnapshot()).isEqualTo(before);
    }

}
