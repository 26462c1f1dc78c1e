package dev.fcfs.producer.dashboard;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import dev.fcfs.producer.admin.AdminIntegrationSupport;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /dashboard/data} against real Redis and PostgreSQL. */
class DashboardIntegrationTests extends AdminIntegrationSupport {

    @Test
    void showsEventCountsQueueDepthsAndConsumersWithoutUserIds() {
        long eventId = createEventAsAdmin("dash", 10);
        int shard = this.keys.shardOf(eventId);
        for (int i = 0; i < 3; i++) {
            reserveAccepted(eventId, "secret-user-" + i);
        }
        this.jdbc.sql("UPDATE events SET reserved = 2, last_position = 2 WHERE id = ?").param(eventId).update();
        this.redis.opsForZSet().add(this.keys.consumers(), "consumer-a", System.currentTimeMillis() + 60_000);
        this.redis.opsForValue().set(this.keys.lease(shard), "consumer-a", Duration.ofMinutes(1));
        try {
            assertDashboardShows(eventId, shard);
        }
        finally {
            // the other tests of this context compare snapshots of every key: a lease left to expire by itself
            // would vanish between two of their snapshots
            this.redis.delete(this.keys.lease(shard));
            this.redis.opsForZSet().remove(this.keys.consumers(), "consumer-a");
        }
    }

    @Test
    void showsTheSaleWindowAndLeavesOutEventsThatHaveNotOpened() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long upcoming = createWithWindow("upcoming", now.plus(1, ChronoUnit.DAYS), null);
        long running = createWithWindow("running", now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode data = body(get("/dashboard/data"));
            JsonNode event = data.path("events").valueStream().filter((e) -> e.path("id").asLong() == running)
                .findFirst().orElseThrow(() -> new AssertionError("event " + running + " not in " + data));
            assertThat(event.path("opensAt").asString()).isEqualTo(now.minus(1, ChronoUnit.HOURS).toString());
            assertThat(event.path("closesAt").asString()).isEqualTo(now.plus(1, ChronoUnit.HOURS).toString());
            // sampled in the same query as the running one, which is newer
            assertThat(data.path("events").valueStream().map((e) -> e.path("id").asLong())).doesNotContain(upcoming);
            assertThat(data.toString()).doesNotContain("upcoming");
        });
    }

    private long createWithWindow(String name, Instant opensAt, Instant closesAt) {
        HttpResponse<String> response = postJson("/events", "{\"name\":\"" + name + "\",\"capacity\":5,\"opensAt\":\""
                + opensAt + "\",\"closesAt\":" + ((closesAt != null) ? "\"" + closesAt + "\"" : "null") + "}", AUTH);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return body(response).path("id").asLong();
    }

    private void assertDashboardShows(long eventId, int shard) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode data = body(get("/dashboard/data"));
            JsonNode event = data.path("events").valueStream().filter((e) -> e.path("id").asLong() == eventId)
                .findFirst().orElseThrow(() -> new AssertionError("event " + eventId + " not in " + data));
            assertThat(event.path("capacity").asInt()).isEqualTo(10);
            assertThat(event.path("reserved").asInt()).isEqualTo(2);
            assertThat(event.path("remaining").asInt()).isEqualTo(8);
            assertThat(event.path("accepted").asLong()).isEqualTo(3);
            assertThat(event.path("decided").asLong()).isEqualTo(2);
            assertThat(data.path("shards").get(shard).path("pending").asLong())
                .isEqualTo(this.redis.opsForList().size(this.keys.queue(shard)));
            assertThat(data.path("shards").get(shard).path("owner").asString()).isEqualTo("consumer-a");
            JsonNode consumer = data.path("consumers").get(0);
            assertThat(consumer.path("id").asString()).isEqualTo("consumer-a");
            assertThat(consumer.path("alive").asBoolean()).isTrue();
            assertThat(consumer.path("shards").get(0).asInt()).isEqualTo(shard);
            assertThat(data.path("throughput").size()).isGreaterThanOrEqualTo(1);
            assertThat(data.toString()).doesNotContain("secret-user");
        });
    }

    @Test
    void marksAShardStuckWhenItsOldestJobAndItsLastProgressAreOlderThanStuckAfter() {
        // no consumer runs in these tests: what a consumer left behind is written directly
        int stuck = 0;
        int moving = 1;
        Instant longAgo = Instant.ofEpochMilli(System.currentTimeMillis() - Duration.ofMinutes(10).toMillis());
        String oldJobOnStuck = jobAcceptedAt(stuck, longAgo);
        String oldJobOnMoving = jobAcceptedAt(moving, longAgo);
        // RPUSH: at the tail, where the oldest job waits
        this.redis.opsForList().rightPush(this.keys.queue(stuck), oldJobOnStuck);
        this.redis.opsForList().rightPush(this.keys.queue(moving), oldJobOnMoving);
        this.redis.opsForValue().set(this.keys.progress(stuck), Long.toString(longAgo.toEpochMilli()));
        this.redis.opsForValue().set(this.keys.progress(moving), Long.toString(System.currentTimeMillis()));
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode shards = body(get("/dashboard/data")).path("shards");
                assertThat(shards.get(stuck).path("stuck").asBoolean()).isTrue();
                // a sample taken before the keys were written has these fields null: asserted, so the wait goes on
                assertThat(shards.get(stuck).path("lastProgressAt").asString()).isNotEmpty();
                assertThat(shards.get(stuck).path("waitingSince").asString()).isNotEmpty();
                assertThat(Instant.parse(shards.get(stuck).path("lastProgressAt").asString())).isEqualTo(longAgo);
                assertThat(Instant.parse(shards.get(stuck).path("waitingSince").asString())).isEqualTo(longAgo);
                assertThat(shards.get(moving).path("stuck").asBoolean()).as("recent progress").isFalse();
                assertThat(shards.get(moving).path("waitingSince").asString()).isNotEmpty();
            });
        }
        finally {
            this.redis.opsForList().remove(this.keys.queue(stuck), 1, oldJobOnStuck);
            this.redis.opsForList().remove(this.keys.queue(moving), 1, oldJobOnMoving);
            this.redis.delete(List.of(this.keys.progress(stuck), this.keys.progress(moving)));
        }
    }

    private String jobAcceptedAt(int shard, Instant acceptedAt) {
        long eventId = shard + 1000L * this.keys.shards();
        return this.codec.encode(new ReservationJob(ReservationId.newFor(eventId), eventId, "someone", 1, acceptedAt));
    }

    @Test
    void servesThePageAndItsChartLibrary() {
        var page = get("/dashboard");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/webjars/chartjs/dist/chart.umd.js");
        assertThat(get("/webjars/chartjs/dist/chart.umd.js").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/dashboard.js").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/dashboard.css").statusCode()).isEqualTo(200);
    }

}
