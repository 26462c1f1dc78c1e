package dev.fcfs.shared.warmup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.StandaloneRedis;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The warm-up's scratch runs on a real Redis: where they write, and that nothing of them outlives them. */
class ScratchRunsIntegrationTests {

    private static StandaloneRedis server;

    private static StringRedisTemplate redis;

    private final QueueKeys keys = new QueueKeys(TestServers.newKeyPrefix(), 4);

    private final ScratchRuns runs = new ScratchRuns(redis, this.keys);

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
    void aRunWritesUnderAPrefixOfItsOwnThatNoRealKeyShares() {
        ScratchRuns.Run run = this.runs.start(Duration.ofSeconds(5));

        for (List<String> slot : ScratchRuns.keysOf(run.keys())) {
            for (String key : slot) {
                assertThat(key).startsWith(this.keys.prefix() + ":warmup:" + run.id() + ":");
            }
        }
        assertThat(this.keys.queue(0)).doesNotStartWith(run.keys().prefix());
        assertThat(ScratchRuns.isScratchEvent(1)).isFalse();
        assertThat(ScratchRuns.isScratchEvent(ScratchRuns.SOLD_OUT_EVENT)).isTrue();
        assertThat(ScratchRuns.isScratchEvent(ScratchRuns.openEvent(ScratchRuns.OPEN_EVENTS - 1))).isTrue();
        assertThatThrownBy(() -> this.keys.warmup("a:b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void finishingARunRemovesEveryKeyItMayHaveWrittenAndNothingElse() {
        redis.opsForValue().set(this.keys.event(1), "real");
        redis.opsForList().leftPush(this.keys.queue(1), "real job");
        ScratchRuns.Run run = this.runs.start(Duration.ofSeconds(5));
        writeEveryKeyOf(run);

        this.runs.finish(run);

        assertThat(keysUnder(this.keys.prefix() + ":warmup:*")).isEmpty();
        assertThat(keysUnder(this.keys.prefix() + ":*")).containsExactlyInAnyOrder(this.keys.event(1),
                this.keys.queue(1));
    }

    @Test
    void theNextRunRemovesWhatARunThatDiedLeftOnceItsDeadlineHasPassed() {
        ScratchRuns.Run died = this.runs.start(Duration.ofSeconds(5));
        writeEveryKeyOf(died);
        // as if the process had died well before now: its deadline, grace included, is over
        redis.opsForHash().put(this.keys.warmupRuns(), died.id(), Long.toString(System.currentTimeMillis() - 1));

        ScratchRuns.Run next = this.runs.start(Duration.ofSeconds(5));

        assertThat(keysUnder(died.keys().prefix() + ":*")).isEmpty();
        assertThat(redis.opsForHash().keys(this.keys.warmupRuns())).containsExactly(next.id());
    }

    @Test
    void aRunStillWithinItsDeadlineIsLeftAloneByOthers() {
        ScratchRuns.Run running = this.runs.start(Duration.ofSeconds(30));
        writeEveryKeyOf(running);
        int written = keysUnder(running.keys().prefix() + ":*").size();

        this.runs.start(Duration.ofSeconds(5));

        assertThat(keysUnder(running.keys().prefix() + ":*")).hasSize(written);
        assertThat(written).isEqualTo(ScratchRuns.keysOf(running.keys()).stream().mapToInt(List::size).sum());
    }

    private static void writeEveryKeyOf(ScratchRuns.Run run) {
        for (List<String> slot : ScratchRuns.keysOf(run.keys())) {
            for (String key : slot) {
                redis.opsForValue().set(key, "scratch");
            }
        }
    }

    private static Set<String> keysUnder(String pattern) {
        List<String> found = new ArrayList<>();
        try (var cursor = redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return Set.copyOf(found);
    }

}
