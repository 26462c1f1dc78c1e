package dev.fcfs.shared.queue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.LongStream;

import dev.fcfs.shared.job.JobCodec;
import dev.fcfs.shared.job.ReservationJob;
import dev.fcfs.shared.queue.EnqueueBatch.Outcome;
import dev.fcfs.shared.queue.EnqueueBatch.Status;
import dev.fcfs.shared.reservation.ReservationId;
import dev.fcfs.testsupport.StandaloneRedis;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Every Lua script of the queue, the operator's dead-letter scripts among them, run on a real Redis, checked against
 * its header and the Java codec.
 */
class QueueScriptsIntegrationTests {

    private static StandaloneRedis server;

    private static StringRedisTemplate redis;

    private final QueueKeys keys = new QueueKeys(TestServers.newKeyPrefix(), 4);

    private final JobCodec codec = new JobCodec();

    @BeforeAll
    static void connect() {
        server = StandaloneRedis.start();
        redis = server.template();
    }

    @AfterAll
    static void disconnect() {
        server.close();
    }

    @AfterEach
    void deleteKeys() {
        server.deleteKeys(this.keys.prefix());
    }

    @Test
    void enqueueHandsOutConsecutivePositionsAndQueuesJobsTheCodecReads() {
        register(42, 500, 0);

        List<ReservationJob> accepted = new ArrayList<>();
        for (String user : List.of("ann", "bob", "ann \"the\" 2nd/é")) {
            UUID id = ReservationId.newFor(42);
            Outcome outcome = enqueue(42, id, user, null);
            assertThat(outcome.status()).isEqualTo(Status.ACCEPTED);
            assertThat(outcome.job().reservationId()).isEqualTo(id);
            assertThat(outcome.job().userId()).isEqualTo(user);
            accepted.add(outcome.job());
        }

        assertThat(accepted).extracting(ReservationJob::position).containsExactly(1L, 2L, 3L);
        int shard = this.keys.shardOf(42);
        // the job the reply describes is the one queued; LPUSH: the oldest job is at the tail, where the worker serves
        assertThat(redis.opsForList().range(this.keys.queue(shard), 0, -1)).extracting(this.codec::decode)
            .containsExactly(accepted.get(2), accepted.get(1), accepted.get(0));
        assertThat(redis.opsForHash().get(this.keys.pending(shard), accepted.get(0).reservationId().toString()))
            .asString().satisfies((raw) -> assertThat(this.codec.decode(raw)).isEqualTo(accepted.get(0)));
    }

    @Test
    void enqueueQueuesNothingForAnEventRedisDoesNotKnow() {
        Outcome outcome = enqueue(7, ReservationId.newFor(7), "ann", null);

        assertThat(outcome.status()).isEqualTo(Status.NO_EVENT);
        assertThat(redis.opsForList().size(this.keys.queue(this.keys.shardOf(7)))).isZero();
        assertThat(redis.hasKey(this.keys.event(7))).isFalse();
    }

    @Test
    void enqueueWithAnIdempotencyKeyAlreadyUsedReplaysTheFirstJobAndQueuesNothing() {
        register(5, 10, 0);
        Outcome first = enqueue(5, ReservationId.newFor(5), "ann", "key-1");
        Outcome retry = enqueue(5, ReservationId.newFor(5), "ann", "key-1");

        assertThat(retry.status()).isEqualTo(Status.REPLAY);
        assertThat(this.codec.decode(retry.replayedJob())).isEqualTo(first.job());
        assertThat(redis.opsForList().size(this.keys.queue(this.keys.shardOf(5)))).isEqualTo(1);
        assertThat(redis.getExpire(this.keys.idempotency(5, "ann"))).isBetween(1L, 60L);
        assertThat(enqueue(5, ReservationId.newFor(5), "ann", "key-2").status()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void enqueueKeepsOneIdempotencySlotPerUserHoldingTheLatestKey() {
        register(5, 10, 0);
        enqueue(5, ReservationId.newFor(5), "ann", "key-1");
        Outcome second = enqueue(5, ReservationId.newFor(5), "ann", "key-2");
        Outcome bob = enqueue(5, ReservationId.newFor(5), "bob", "key-2");

        assertThat(bob.status()).isEqualTo(Status.ACCEPTED);
        assertThat(redis.opsForValue().get(this.keys.idempotency(5, "ann"))).startsWith("key-2 {");
        assertThat(enqueue(5, ReservationId.newFor(5), "ann", "key-2").replayedJob())
            .satisfies((raw) -> assertThat(this.codec.decode(raw)).isEqualTo(second.job()));
        // key-1's answer was replaced by key-2's: its retry is a new request
        assertThat(enqueue(5, ReservationId.newFor(5), "ann", "key-1").status()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void enqueueRefusesASoldOutEventWithoutUsingAPosition() {
        register(3, 1, 0);
        enqueue(3, ReservationId.newFor(3), "ann", null);

        assertThat(redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(3)))).isEqualTo(1L);
        assertThat(enqueue(3, ReservationId.newFor(3), "bob", null).status()).isEqualTo(Status.SOLD_OUT);
        assertThat(redis.opsForHash().get(this.keys.event(3), "seq")).isEqualTo("1");
        assertThat(redis.opsForList().size(this.keys.queue(this.keys.shardOf(3)))).isEqualTo(1);
    }

    @Test
    void retryWithItsIdempotencyKeyStillGetsItsFirstAnswerAfterSellOut() {
        register(3, 1, 0);
        Outcome first = enqueue(3, ReservationId.newFor(3), "ann", "k");
        redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(3)));

        Outcome retry = enqueue(3, ReservationId.newFor(3), "ann", "k");
        assertThat(retry.status()).isEqualTo(Status.REPLAY);
        assertThat(this.codec.decode(retry.replayedJob())).isEqualTo(first.job());
    }

    @Test
    void markSoldOutNeverCreatesAnEventRedisDoesNotKnow() {
        assertThat(redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(8)))).isZero();
        assertThat(redis.hasKey(this.keys.event(8))).isFalse();
    }

    @Test
    void registerEventCarriesTheSoldOutStateOfPostgres() {
        redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(6)), "2", "9", "1");

        assertThat(enqueue(6, ReservationId.newFor(6), "ann", null).status()).isEqualTo(Status.SOLD_OUT);
    }

    @Test
    void enqueueRefusesWhenTheShardQueueIsAtItsBoundAndQueuesNothing() {
        register(2, 100, 0);
        int shard = this.keys.shardOf(2);
        for (int i = 0; i < 2; i++) {
            assertThat(enqueueAll(OptionalLong.of(2), request(2, "u" + i, null))).extracting(Outcome::status)
                .containsExactly(Status.ACCEPTED);
        }

        assertThat(enqueueAll(OptionalLong.of(2), request(2, "u9", null))).extracting(Outcome::status)
            .containsExactly(Status.BUSY);
        assertThat(redis.opsForList().size(this.keys.queue(shard))).isEqualTo(2);
        assertThat(redis.opsForHash().get(this.keys.event(2), "seq")).isEqualTo("2");
    }

    @Test
    void aBatchAnswersEachRequestAsIfItHadBeenSentAloneInItsOrder() {
        // events 1, 5 and 9 share shard 1 of 4; 13 is never registered
        register(1, 10, 0);
        register(5, 10, 40);
        register(9, 1, 0);
        redis.execute(ReservationScripts.MARK_SOLD_OUT, List.of(this.keys.event(9)));
        List<EnqueueBatch.Request> requests = List.of(request(1, "ann", null), request(5, "ann", "k-1"),
                request(9, "bob", null), request(13, "cid", null), request(1, "bob", null), request(5, "ann", "k-1"),
                request(5, "dan", "k-2"));

        List<Outcome> outcomes = enqueueAll(OptionalLong.empty(), requests.toArray(EnqueueBatch.Request[]::new));

        assertThat(outcomes).extracting(Outcome::status).containsExactly(Status.ACCEPTED, Status.ACCEPTED,
                Status.SOLD_OUT, Status.NO_EVENT, Status.ACCEPTED, Status.REPLAY, Status.ACCEPTED);
        assertThat(outcomes.get(0).job().position()).isEqualTo(1);
        assertThat(outcomes.get(4).job().position()).isEqualTo(2);
        assertThat(outcomes.get(1).job().position()).isEqualTo(41);
        assertThat(outcomes.get(6).job().position()).isEqualTo(42);
        assertThat(this.codec.decode(outcomes.get(5).replayedJob())).isEqualTo(outcomes.get(1).job());
        assertThat(outcomes.get(6).job().reservationId()).isEqualTo(requests.get(6).reservationId());
        // queued in the order of the batch, each job exactly as its outcome describes it
        assertThat(redis.opsForList().range(this.keys.queue(1), 0, -1)).extracting(this.codec::decode)
            .containsExactly(outcomes.get(6).job(), outcomes.get(4).job(), outcomes.get(1).job(),
                    outcomes.get(0).job());
        assertThat(redis.opsForHash().size(this.keys.pending(1))).isEqualTo(4);
    }

    @Test
    void aBatchThatReachesTheQueueBoundAcceptsUpToItAndRefusesTheRest() {
        register(3, 100, 0);

        List<Outcome> outcomes = enqueueAll(OptionalLong.of(2), request(3, "a", null), request(3, "b", null),
                request(3, "c", null));

        assertThat(outcomes).extracting(Outcome::status).containsExactly(Status.ACCEPTED, Status.ACCEPTED,
                Status.BUSY);
        assertThat(redis.opsForList().size(this.keys.queue(3))).isEqualTo(2);
        assertThat(redis.opsForHash().get(this.keys.event(3), "seq")).isEqualTo("2");
    }

    @Test
    void aBatchOfThousandsQueuesEveryJobInPositionOrder() {
        register(2, 5000, 0);
        EnqueueBatch.Request[] requests = new EnqueueBatch.Request[2500];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = request(2, "user-" + i, null);
        }

        List<Outcome> outcomes = enqueueAll(OptionalLong.empty(), requests);

        assertThat(outcomes).extracting((outcome) -> outcome.job().position())
            .containsExactlyElementsOf(LongStream.rangeClosed(1, requests.length).boxed().toList());
        // the tail (the worker's end) holds the first position
        List<ReservationJob> queued = redis.opsForList().range(this.keys.queue(2), 0, -1).stream()
            .map(this.codec::decode).toList();
        assertThat(queued).hasSize(requests.length);
        assertThat(queued.get(queued.size() - 1)).isEqualTo(outcomes.get(0).job());
        assertThat(queued.get(0)).isEqualTo(outcomes.get(requests.length - 1).job());
        assertThat(redis.opsForHash().size(this.keys.pending(2))).isEqualTo(requests.length);
    }

    @Test
    void aBatchIsForOneShardOnly() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> EnqueueBatch.of(this.keys, List.of(request(1, "a", null), request(2, "b", null))))
            .withMessageContaining("different shards");
    }

    @Test
    void shardBacklogCountsPendingAndDeadLettersOnlyForAnEventRedisDoesNotKnow() {
        register(4, 10, 0);
        for (int i = 0; i < 3; i++) {
            enqueue(4, ReservationId.newFor(4), "u" + i, null);
        }
        int shard = this.keys.shardOf(4);
        redis.opsForList().leftPush(this.keys.deadLetter(shard), "{\"job\":\"x\",\"reason\":\"y\",\"at\":1}");
        List<String> restoreKeys = List.of(this.keys.event(4), this.keys.pending(shard), this.keys.deadLetter(shard));

        assertThat(redis.execute(ReservationScripts.SHARD_BACKLOG, restoreKeys)).isEqualTo(-1L);
        redis.delete(this.keys.event(4));
        assertThat(redis.execute(ReservationScripts.SHARD_BACKLOG, restoreKeys)).isEqualTo(4L);
    }

    @Test
    void registerEventStartsTheCounterWhereItIsToldAndNeverOverwritesALiveEvent() {
        assertThat(redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(9)), "3", "41"))
            .isEqualTo(1L);
        assertThat(redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(9)), "3", "0"))
            .isEqualTo(0L);

        assertThat(enqueue(9, ReservationId.newFor(9), "ann", null).job().position()).isEqualTo(42);
    }

    @Test
    void enqueueRefusesBeforeTheWindowOpensWithTheOpeningAndTheRedisTimeAndUsesNoPosition() {
        long opensAt = redisMillis() + 60_000;
        registerWithWindow(5, Long.toString(opensAt), "");

        Outcome outcome = enqueue(5, ReservationId.newFor(5), "ann", null);

        assertThat(outcome.status()).isEqualTo(Status.NOT_OPEN);
        assertThat(outcome.windowEdge().toEpochMilli()).isEqualTo(opensAt);
        assertThat(outcome.secondsUntilOpen()).isBetween(1L, 60L);
        assertThat(redis.opsForHash().get(this.keys.event(5), "seq")).isEqualTo("0");
        assertThat(redis.opsForList().size(this.keys.queue(1))).isZero();
        assertThat(redis.opsForHash().size(this.keys.pending(1))).isZero();
    }

    @Test
    void enqueueAcceptsOnceTheWindowHasOpenedAndRefusesOnceItHasClosed() {
        long now = redisMillis();
        registerWithWindow(5, Long.toString(now - 60_000), Long.toString(now + 60_000));
        registerWithWindow(9, Long.toString(now - 60_000), Long.toString(now - 1));

        assertThat(enqueue(5, ReservationId.newFor(5), "ann", null).status()).isEqualTo(Status.ACCEPTED);
        Outcome closed = enqueue(9, ReservationId.newFor(9), "ann", null);
        assertThat(closed.status()).isEqualTo(Status.CLOSED);
        assertThat(closed.windowEdge().toEpochMilli()).isEqualTo(now - 1);
        assertThat(redis.opsForHash().get(this.keys.event(9), "seq")).isEqualTo("0");
        assertThat(redis.opsForList().size(this.keys.queue(1))).isEqualTo(1);
    }

    @Test
    void enqueueStillReplaysARequestAcceptedBeforeTheWindowClosed() {
        long now = redisMillis();
        registerWithWindow(5, "", Long.toString(now + 60_000));
        Outcome first = enqueue(5, ReservationId.newFor(5), "ann", "k");
        redis.opsForHash().put(this.keys.event(5), "closesAt", Long.toString(now - 1));

        Outcome retry = enqueue(5, ReservationId.newFor(5), "ann", "k");

        assertThat(retry.status()).isEqualTo(Status.REPLAY);
        assertThat(this.codec.decode(retry.replayedJob())).isEqualTo(first.job());
        assertThat(enqueue(5, ReservationId.newFor(5), "bob", "other").status()).isEqualTo(Status.CLOSED);
    }

    @Test
    void updateWindowMovesTheWindowOfAnEventThatHasNotOpened() {
        long now = redisMillis();
        registerWithWindow(5, Long.toString(now + 60_000), "");

        List<String> reply = updateWindow(5, Long.toString(now + 120_000), Long.toString(now + 180_000));

        assertThat(reply.get(0)).isEqualTo("UPDATED");
        assertThat(redis.opsForHash().get(this.keys.event(5), "opensAt")).isEqualTo(Long.toString(now + 120_000));
        assertThat(redis.opsForHash().get(this.keys.event(5), "closesAt")).isEqualTo(Long.toString(now + 180_000));
        assertThat(updateWindow(5, "", "").get(0)).isEqualTo("UPDATED");
        assertThat(redis.opsForHash().hasKey(this.keys.event(5), "opensAt")).isFalse();
        assertThat(enqueue(5, ReservationId.newFor(5), "ann", null).status()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void updateWindowRefusesAnEventThatHasOpenedOrIsUnknownAndChangesNothing() {
        long now = redisMillis();
        registerWithWindow(5, Long.toString(now - 1), "");
        register(9, 10, 0);

        assertThat(updateWindow(5, Long.toString(now + 60_000), "").get(0)).isEqualTo("ALREADY_OPEN");
        assertThat(updateWindow(9, Long.toString(now + 60_000), "").get(0)).isEqualTo("ALREADY_OPEN");
        assertThat(updateWindow(13, Long.toString(now + 60_000), "").get(0)).isEqualTo("NO_EVENT");
        assertThat(redis.opsForHash().get(this.keys.event(5), "opensAt")).isEqualTo(Long.toString(now - 1));
        assertThat(redis.opsForHash().hasKey(this.keys.event(9), "opensAt")).isFalse();
        assertThat(redis.hasKey(this.keys.event(13))).isFalse();
    }

    @Test
    void takeBatchReturnsJobsLeftInProcessingFirstThenTheOldestWaitingOnes() {
        int shard = 1;
        String queue = this.keys.queue(shard);
        String processing = this.keys.processing(shard);
        // LPUSH a b leaves b at the head: the first pushed is the oldest, at the tail
        redis.opsForList().leftPushAll(processing, "left-1", "left-2");
        redis.opsForList().leftPushAll(queue, "new-1", "new-2", "new-3");

        List<String> batch = redis.execute(ReservationScripts.TAKE_BATCH, List.of(queue, processing), "4");

        assertThat(batch).containsExactly("left-1", "left-2", "new-1", "new-2");
        assertThat(redis.opsForList().range(queue, 0, -1)).containsExactly("new-3");
        assertThat(redis.opsForList().size(processing)).isEqualTo(4);
    }

    @Test
    void takeBatchMovesNothingWhileProcessingHoldsAFullBatch() {
        String queue = this.keys.queue(0);
        String processing = this.keys.processing(0);
        redis.opsForList().leftPushAll(processing, "p1", "p2", "p3");
        redis.opsForList().leftPush(queue, "q1");

        assertThat(redis.execute(ReservationScripts.TAKE_BATCH, List.of(queue, processing), "2"))
            .containsExactly("p1", "p2");
        assertThat(redis.opsForList().size(queue)).isEqualTo(1);
    }

    @Test
    void ackRemovesJobsFromProcessingAndPendingAndIsSafeToRepeat() {
        String processing = this.keys.processing(2);
        String pending = this.keys.pending(2);
        String progress = this.keys.progress(2);
        redis.opsForList().leftPushAll(processing, "job-b", "job-a");
        redis.opsForHash().put(pending, "id-a", "job-a");
        redis.opsForHash().put(pending, "id-b", "job-b");

        Long removed = redis.execute(ReservationScripts.ACK, List.of(processing, pending, progress), "job-a", "id-a");
        Long again = redis.execute(ReservationScripts.ACK, List.of(processing, pending, progress), "job-a", "id-a");

        assertThat(removed).isEqualTo(1L);
        assertThat(again).isZero();
        assertThat(redis.opsForList().range(processing, 0, -1)).containsExactly("job-b");
        assertThat(redis.opsForHash().keys(pending)).containsExactly("id-b");
    }

    @Test
    void ackStampsTheShardsProgressWithRedisTimeInMillisOnlyWhenAJobLeft() {
        String processing = this.keys.processing(2);
        String pending = this.keys.pending(2);
        String progress = this.keys.progress(2);
        redis.delete(progress);
        redis.opsForList().leftPush(processing, "job-c");

        redis.execute(ReservationScripts.ACK, List.of(processing, pending, progress), "job-unknown", "id-unknown");
        assertThat(redis.opsForValue().get(progress)).as("nothing acknowledged, no progress").isNull();

        long before = redis.execute((RedisCallback<Long>) (connection) -> connection.serverCommands().time());
        redis.execute(ReservationScripts.ACK, List.of(processing, pending, progress), "job-c", "id-c");
        long after = redis.execute((RedisCallback<Long>) (connection) -> connection.serverCommands().time());

        assertThat(Long.parseLong(redis.opsForValue().get(progress))).isBetween(before, after);
    }

    @Test
    void deadLetterParksAJobOnceWithItsReasonAndStampsProgress() {
        String processing = this.keys.processing(3);
        String dead = this.keys.deadLetter(3);
        String progress = this.keys.progress(3);
        redis.opsForList().leftPush(processing, "garbage");

        assertThat(redis.execute(ReservationScripts.DEAD_LETTER, List.of(processing, dead, progress), "garbage",
                "undecodable"))
            .isEqualTo(1L);
        assertThat(redis.execute(ReservationScripts.DEAD_LETTER, List.of(processing, dead, progress), "garbage",
                "undecodable"))
            .isZero();

        assertThat(redis.opsForList().range(dead, 0, -1)).singleElement().asString()
            .contains("\"job\":\"garbage\"").contains("\"reason\":\"undecodable\"");
        assertThat(redis.opsForList().size(processing)).isZero();
        assertThat(redis.opsForValue().get(progress)).matches("[0-9]{13}");
    }

    @Test
    void onlyTheOwnerRenewsOrReleasesALease() {
        String lease = this.keys.lease(0);
        redis.opsForValue().set(lease, "consumer-a", Duration.ofSeconds(5));

        assertThat(redis.execute(ReservationScripts.RENEW_LEASE, List.of(lease), "consumer-b", "60000")).isZero();
        assertThat(redis.execute(ReservationScripts.RELEASE_LEASE, List.of(lease), "consumer-b")).isZero();
        assertThat(redis.execute(ReservationScripts.RENEW_LEASE, List.of(lease), "consumer-a", "60000")).isEqualTo(1L);
        assertThat(redis.getExpire(lease)).isGreaterThan(5L);
        assertThat(redis.execute(ReservationScripts.RELEASE_LEASE, List.of(lease), "consumer-a")).isEqualTo(1L);
        assertThat(redis.hasKey(lease)).isFalse();
    }

    @Test
    void requeueDeadLetterMovesTheNamedEntrysJobToTheServedEndOnceAndRestoresItsPendingEntry() {
        int shard = this.keys.shardOf(42);
        String job = deadLetter(job(42, "ann"));
        String entry = redis.opsForList().index(this.keys.deadLetter(shard), 0);
        redis.opsForList().leftPush(this.keys.queue(shard), "waiting");
        List<String> keys = List.of(this.keys.deadLetter(shard), this.keys.queue(shard), this.keys.pending(shard));

        assertThat(redis.execute(ReservationScripts.REQUEUE_DEAD_LETTER, keys, sha1(entry))).isEqualTo(job);
        assertThat(redis.execute(ReservationScripts.REQUEUE_DEAD_LETTER, keys, sha1(entry))).isNull();

        assertThat(redis.opsForList().size(this.keys.deadLetter(shard))).isZero();
        // the worker serves the tail (right) end
        assertThat(redis.opsForList().range(this.keys.queue(shard), 0, -1)).containsExactly("waiting", job);
        assertThat(redis.opsForHash().get(this.keys.pending(shard), this.codec.decode(job).reservationId().toString()))
            .isEqualTo(job);
    }

    @Test
    void requeueAllDeadLettersServesTheOldestFirstAndLeavesEntriesItCannotRead() {
        int shard = this.keys.shardOf(42);
        String older = deadLetter(job(42, "ann"));
        String newer = deadLetter(job(42, "bob"));
        redis.opsForList().leftPush(this.keys.deadLetter(shard), "not an envelope");

        assertThat(redis.execute(ReservationScripts.REQUEUE_ALL_DEAD_LETTERS, List.of(this.keys.deadLetter(shard),
                this.keys.queue(shard), this.keys.pending(shard)))).isEqualTo(2L);

        assertThat(redis.opsForList().rightPop(this.keys.queue(shard))).isEqualTo(older);
        assertThat(redis.opsForList().rightPop(this.keys.queue(shard))).isEqualTo(newer);
        assertThat(redis.opsForList().range(this.keys.deadLetter(shard), 0, -1)).containsExactly("not an envelope");
    }

    @Test
    void discardDeadLetterDropsTheNamedEntryAndItsPendingEntryOnlyIfThatHoldsTheSameJob() {
        int shard = this.keys.shardOf(42);
        deadLetter(job(42, "ann"));
        String droppedEntry = redis.opsForList().index(this.keys.deadLetter(shard), 0);
        String replaced = deadLetter(job(42, "bob"));
        String replacedEntry = redis.opsForList().index(this.keys.deadLetter(shard), 0);
        String replacedId = this.codec.decode(replaced).reservationId().toString();
        redis.opsForHash().put(this.keys.pending(shard), replacedId, "another job under the same id");
        List<String> keys = List.of(this.keys.deadLetter(shard), this.keys.pending(shard));

        assertThat(redis.execute(ReservationScripts.DISCARD_DEAD_LETTER, keys, sha1(droppedEntry)))
            .isEqualTo(droppedEntry);
        assertThat(redis.execute(ReservationScripts.DISCARD_DEAD_LETTER, keys, sha1(replacedEntry)))
            .isEqualTo(replacedEntry);
        assertThat(redis.execute(ReservationScripts.DISCARD_DEAD_LETTER, keys, sha1(replacedEntry))).isNull();

        assertThat(redis.opsForList().size(this.keys.deadLetter(shard))).isZero();
        assertThat(redis.opsForHash().entries(this.keys.pending(shard)))
            .containsExactly(Map.entry(replacedId, "another job under the same id"));
    }

    /** A job of the event, as enqueue.lua would have queued it: in the pending hash too. */
    private String job(long eventId, String user) {
        ReservationJob job = new ReservationJob(ReservationId.newFor(eventId), eventId, user, 1, Instant.now());
        String raw = this.codec.encode(job);
        redis.opsForHash().put(this.keys.pending(this.keys.shardOf(eventId)), job.reservationId().toString(), raw);
        return raw;
    }

    /** Dead-letters a job the way the worker does: taken into the processing list, then {@code dead_letter.lua}. */
    private String deadLetter(String raw) {
        int shard = this.keys.shardOf(this.codec.decode(raw).eventId());
        redis.opsForList().leftPush(this.keys.processing(shard), raw);
        redis.execute(ReservationScripts.DEAD_LETTER, List.of(this.keys.processing(shard), this.keys.deadLetter(shard),
                this.keys.progress(shard)), raw, "test");
        return raw;
    }

    /** A dead letter's id: the SHA-1 of its content, as {@code redis.sha1hex} computes it. */
    private static String sha1(String entry) {
        try {
            return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-1").digest(entry.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void registerWithWindow(long eventId, String opensAt, String closesAt) {
        redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(eventId)), "10", "0", "0", opensAt,
                closesAt);
    }

    private List<String> updateWindow(long eventId, String opensAt, String closesAt) {
        return redis.execute(ReservationScripts.UPDATE_WINDOW, List.of(this.keys.event(eventId)), opensAt, closesAt);
    }

    private static long redisMillis() {
        return redis.execute((RedisCallback<Long>) (connection) -> connection.serverCommands().time());
    }

    private void register(long eventId, int capacity, long lastPosition) {
        redis.execute(ReservationScripts.REGISTER_EVENT, List.of(this.keys.event(eventId)), Integer.toString(capacity),
                Long.toString(lastPosition));
    }

    private Outcome enqueue(long eventId, UUID id, String user, String idempotencyKey) {
        return enqueueAll(OptionalLong.empty(), new EnqueueBatch.Request(id, eventId, user, idempotencyKey)).get(0);
    }

    private List<Outcome> enqueueAll(OptionalLong maxQueueDepth, EnqueueBatch.Request... requests) {
        EnqueueBatch batch = EnqueueBatch.of(this.keys, List.of(requests));
        return batch.outcomes(redis.execute(ReservationScripts.ENQUEUE, List.of(batch.keys()),
                (Object[]) batch.args(60, maxQueueDepth)));
    }

    private static EnqueueBatch.Request request(long eventId, String user, String idempotencyKey) {
        return new EnqueueBatch.Request(ReservationId.newFor(eventId), eventId, user, idempotencyKey);
    }

}
