package dev.fcfs.producer.redis;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.testsupport.ProxiedRedis;
import dev.fcfs.testsupport.TcpProxy;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis going away while the service runs (the client is connected through a proxy the test cuts): requests fail
 * fast with 503 instead of waiting out the command timeout, and the service recovers by itself when Redis is back.
 */
@Import(ProxiedRedis.class)
class RedisOutageIntegrationTests extends ProducerIntegrationSupport {

    @Autowired
    private TcpProxy proxy;

    @Test
    void failsFastDuringAnOutageAndRecoversAfterIt() throws IOException {
        long eventId = createEvent("outage", 10);
        assertThat(reserveAccepted(eventId, "before").path("position").asLong()).isEqualTo(1);

        this.proxy.cut();
        try {
            // the first request may be the one during which the client notices the dropped connection
            await().atMost(Duration.ofSeconds(10)).until(() -> reserve(eventId, "during").statusCode() == 503);

            long started = System.nanoTime();
            HttpResponse<String> refused = reserve(eventId, "during");
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertProblem(refused, 503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            // commands are rejected while disconnected, not queued until spring.data.redis.timeout (2 s)
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            assertThat(get("/events/" + eventId).statusCode()).isEqualTo(200);
        }
        finally {
            this.proxy.restore();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> reserve(eventId, "after").statusCode() == 202);
        // nothing was queued during the outage: the position after it follows the one before it
        assertThat(eventField(eventId, "seq")).isEqualTo("2");
    }

    @Test
    void keepsRefusingASoldOutEventDuringAnOutageButAsksRedisForIdempotentRetries() {
        long eventId = createEvent("outage-sold-out", 1);
        this.jdbc.sql("UPDATE events SET sold_out_at = now(), last_position = 1 WHERE id = ?").param(eventId).update();
        this.redis.delete(this.keys.event(eventId));
        assertProblem(reserve(eventId, "late"), 409);

        this.proxy.cut();
        try {
            assertThat(assertProblem(reserve(eventId, "during"), 409).path("reason").asString())
                .isEqualTo("SOLD_OUT");
            // a key may hold an answer given before the sell-out: only Redis knows
            await().atMost(Duration.ofSeconds(10))
                .until(() -> reserve(eventId, "retry", "Idempotency-Key", "retry-key").statusCode() == 503);
        }
        finally {
            this.proxy.restore();
        }

        await().atMost(Duration.ofSeconds(30))
            .until(() -> reserve(eventId, "retry", "Idempotency-Key", "retry-key").statusCode() == 409);
    }

}
