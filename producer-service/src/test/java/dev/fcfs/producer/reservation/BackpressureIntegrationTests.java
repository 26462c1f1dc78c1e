package dev.fcfs.producer.reservation;

import java.net.http.HttpResponse;
import java.util.Map;

import dev.fcfs.producer.ProducerIntegrationSupport;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** A shard queue at {@code reservation.api.max-queue-depth}: new requests are refused with 429, never lost. */
@TestPropertySource(properties = "reservation.api.max-queue-depth=3")
class BackpressureIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void answers429WithRetryAfterWhenTheShardQueueIsFullAndQueuesNothing() {
        long eventId = createEvent("busy", 100);
        for (int i = 1; i <= 3; i++) {
            assertThat(reserveAccepted(eventId, "u" + i).path("position").asLong()).isEqualTo(i);
        }
        Map<String, Object> before = stateSnapshot();

        HttpResponse<String> refused = reserve(eventId, "u4");

        assertProblem(refused, 429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(stateSnapshot()).isEqualTo(before);
        // the accepted ones are all still there, in order
        assertThat(queuedJobs(this.keys.shardOf(eventId))).extracting((job) -> job.userId())
            .containsExactly("u1", "u2", "u3");
    }

}
