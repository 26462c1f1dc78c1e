package dev.fcfs.producer.admin;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;

import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.ReservationScripts;
import dev.fcfs.shared.reservation.ReservationId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /admin/dead-letters} and its scripts on real Redis. Dead letters are made the way the worker makes them:
 * the job is moved into the processing list, then {@code dead_letter.lua} parks it.
 */
@ExtendWith(OutputCaptureExtension.class)
class DeadLetterAdminIntegrationTests extends AdminIntegrationSupport {

    @Test
    void listsEntriesOfEveryShardWithTheDecodedJob() {
        long eventId = createEventAsAdmin("listed", 5);
        int shard = clearShard(eventId);
        ReservationJob job = this.codec.decode(deadLetterNextJob(eventId, "u-dead", "event 99 does not exist"));
        deadLetterRaw(shard, "garbage{", "undecodable: not JSON");

        JsonNode listing = body(adminGet("/admin/dead-letters"));

        assertThat(listing.path("total").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(listing.path("shards").get(shard).path("count").asLong()).isEqualTo(2);
        List<JsonNode> entries = entriesOf(listing, shard);
        // newest first
        assertThat(entries.get(0).path("job").asString()).isEqualTo("garbage{");
        assertThat(entries.get(0).path("decoded").isNull()).isTrue();
        assertThat(entries.get(0).path("decodeError").asString()).contains("not JSON");
        JsonNode decodable = entries.get(1);
        assertThat(decodable.path("index").asLong()).isEqualTo(1);
        assertThat(decodable.path("reason").asString()).isEqualTo("event 99 does not exist");
        assertThat(decodable.path("at").asString()).isNotBlank();
        assertThat(decodable.path("id").asString()).matches("[0-9a-f]{40}");
        assertThat(decodable.path("decoded").path("reservationId").asString())
            .isEqualTo(job.reservationId().toString());
        assertThat(decodable.path("decoded").path("eventId").asLong()).isEqualTo(eventId);
        assertThat(decodable.path("decoded").path("userId").asString()).isEqualTo("u-dead");
        assertThat(decodable.path("decoded").path("position").asLong()).isEqualTo(job.position());
    }

    @Test
    void listsAJobPostgresRefusedWithPostgresMessageAsItsReason() {
        long eventId = createEventAsAdmin("poisoned", 5);
        int shard = clearShard(eventId);
        // accepted at in the year 318857: the codec takes it, PostgreSQL does not (the consumer's poison job)
        String raw = this.codec.encode(new ReservationJob(ReservationId.newFor(eventId), eventId, "mallory", 1,
                Instant.ofEpochMilli(9_999_999_999_999_999L)));
        String postgresMessage = "timestamp out of range: \"318857-05-20 17:46:39.999\"";
        deadLetterRaw(shard, raw, postgresMessage);

        HttpResponse<String> response = adminGet("/admin/dead-letters");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode entry = entriesOf(body(response), shard).get(0);
        assertThat(entry.path("reason").asString()).isEqualTo(postgresMessage);
        assertThat(entry.path("job").asString()).isEqualTo(raw);
        assertThat(entry.path("decoded").path("userId").asString()).isEqualTo("mallory");
    }

    @Test
    void requeuesOneEntryToTheServedEndOfItsQueueAndRestoresItsPendingEntry() {
        long eventId = createEventAsAdmin("requeued", 5);
        int shard = clearShard(eventId);
        String dead = deadLetterNextJob(eventId, "u-requeue", "event not yet in PostgreSQL");
        ReservationJob job = this.codec.decode(dead);
        this.redis.opsForHash().delete(this.keys.pending(shard), job.reservationId().toString());
        reserveAccepted(eventId, "u-waiting");
        String entryId = entriesOf(body(adminGet("/admin/dead-letters")), shard).get(0).path("id").asString();

        HttpResponse<String> response = adminPost("/admin/dead-letters/" + shard + "/" + entryId + "/requeue");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(body(response).path("requeued").asLong()).isEqualTo(1);
        // RPUSH: the tail, which the worker serves next, ahead of the job that was already waiting
        assertThat(queuedJobs(shard).get(0).reservationId()).isEqualTo(job.reservationId());
        assertThat(queuedJobs(shard).get(0).position()).isEqualTo(job.position());
        assertThat(this.redis.opsForList().size(this.keys.deadLetter(shard))).isZero();
        assertThat(this.redis.opsForHash().get(this.keys.pending(shard), job.reservationId().toString()))
            .isEqualTo(dead);
    }

    @Test
    void requeueOfAnEntryThatChangedOrVanishedChangesNothing() {
        long eventId = createEventAsAdmin("stale", 5);
        int shard = clearShard(eventId);
        deadLetterNextJob(eventId, "u-stale", "event not yet in PostgreSQL");
        String entryId = entriesOf(body(adminGet("/admin/dead-letters")), shard).get(0).path("id").asString();
        assertThat(adminPost("/admin/dead-letters/" + shard + "/" + entryId + "/requeue").statusCode()).isEqualTo(200);
        var before = stateSnapshot();

        // a second operator acting on the same listing
        assertProblem(adminPost("/admin/dead-letters/" + shard + "/" + entryId + "/requeue"), 404);
        assertProblem(adminDelete("/admin/dead-letters/" + shard + "/" + entryId + "?reason=dup"), 404);

        assertThat(stateSnapshot()).isEqualTo(before);
    }

    @Test
    void requeuesAllEntriesOfAShardOldestServedFirst() {
        long eventId = createEventAsAdmin("all", 5);
        int shard = clearShard(eventId);
        ReservationJob first = this.codec.decode(deadLetterNextJob(eventId, "u-a", "r1"));
        ReservationJob second = this.codec.decode(deadLetterNextJob(eventId, "u-b", "r2"));

        HttpResponse<String> response = adminPost("/admin/dead-letters/" + shard + "/requeue-all");

        assertThat(body(response).path("requeued").asLong()).isEqualTo(2);
        assertThat(queuedJobs(shard)).extracting(ReservationJob::reservationId)
            .containsExactly(first.reservationId(), second.reservationId());
        assertThat(this.redis.opsForList().size(this.keys.deadLetter(shard))).isZero();
    }

    @Test
    void discardsOneEntryWithAReasonAndAnAuditLine(CapturedOutput output) {
        long eventId = createEventAsAdmin("discarded", 5);
        int shard = clearShard(eventId);
        ReservationJob job = this.codec.decode(deadLetterNextJob(eventId, "u-gone", "poison"));
        String entryId = entriesOf(body(adminGet("/admin/dead-letters")), shard).get(0).path("id").asString();

        assertProblem(adminDelete("/admin/dead-letters/" + shard + "/" + entryId), 400);
        HttpResponse<String> response = send(request("/admin/dead-letters/" + shard + "/" + entryId
                + "?reason=test%20cleanup").header(AUTH[0], AUTH[1]).header("X-Operator", "alice").DELETE());

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(this.redis.opsForList().size(this.keys.deadLetter(shard))).isZero();
        assertThat(this.redis.opsForHash().hasKey(this.keys.pending(shard), job.reservationId().toString())).isFalse();
        assertThat(output.getAll()).containsPattern("INFO.*admin audit: action=discard shard=" + shard + " entry="
                + entryId + " reservation=" + job.reservationId() + ".*operator=\"alice\".*why=\"test cleanup\"");
    }

    @Test
    void answers404ForAShardOutsideTheLayoutAnd400ForAMalformedId() {
        assertProblem(adminPost("/admin/dead-letters/" + this.keys.shards() + "/requeue-all"), 404);
        assertProblem(adminPost("/admin/dead-letters/0/not-a-hash/requeue"), 400);
    }

    /** Empties the event's shard lists: other tests of this context may have queued jobs for events there. */
    private int clearShard(long eventId) {
        int shard = this.keys.shardOf(eventId);
        this.redis.delete(List.of(this.keys.queue(shard), this.keys.processing(shard), this.keys.deadLetter(shard)));
        return shard;
    }

    /** Queues a job through the API, then dead-letters it as the worker would. @return the raw job */
    private String deadLetterNextJob(long eventId, String userId, String reason) {
        reserveAccepted(eventId, userId);
        int shard = this.keys.shardOf(eventId);
        String raw = this.redis.opsForList().rightPopAndLeftPush(this.keys.queue(shard), this.keys.processing(shard));
        deadLetterRaw(shard, raw, reason);
        return raw;
    }

    private void deadLetterRaw(int shard, String raw, String reason) {
        if (!raw.equals(this.redis.opsForList().index(this.keys.processing(shard), 0))) {
            this.redis.opsForList().leftPush(this.keys.processing(shard), raw);
        }
        assertThat(this.redis.execute(ReservationScripts.DEAD_LETTER,
                List.of(this.keys.processing(shard), this.keys.deadLetter(shard), this.keys.progress(shard)), raw,
                reason)).isEqualTo(1L);
    }

    private static List<JsonNode> entriesOf(JsonNode listing, int shard) {
        return listing.path("entries").valueStream().filter((entry) -> entry.path("shard").asInt() == shard).toList();
    }

    private HttpResponse<String> adminPost(String path) {
        return send(request(path).header(AUTH[0], AUTH[1]).POST(BodyPublishers.noBody()));
    }

    private HttpResponse<String> adminDelete(String path) {
        return send(request(path).header(AUTH[0], AUTH[1]).DELETE());
    }

}
