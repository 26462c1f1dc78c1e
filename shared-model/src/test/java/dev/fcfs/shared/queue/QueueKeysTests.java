package dev.fcfs.shared.queue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class QueueKeysTests {

    private static final Pattern HASH_TAG = Pattern.compile("\\{([^}]*)}");

    private final QueueKeys keys = new QueueKeys("rsv", 16);

    @Test
    void putsEveryKeyAScriptTouchesInTheSameClusterSlot() {
        long event = 42;
        int shard = this.keys.shardOf(event);
        List<String> touchedTogether = List.of(this.keys.event(event), this.keys.queue(shard),
                this.keys.processing(shard), this.keys.pending(shard), this.keys.deadLetter(shard),
                this.keys.idempotency(event, "abc"), this.keys.lease(shard), this.keys.progress(shard));

        assertThat(touchedTogether).extracting(QueueKeysTests::hashTag).containsOnly("s" + shard);
    }

    @Test
    void spreadsConsecutiveEventsOverAllShards() {
        assertThat(java.util.stream.LongStream.rangeClosed(1, 16).mapToInt(this.keys::shardOf).distinct().count())
            .isEqualTo(16);
    }

    @Test
    void namesKeysUnderItsPrefix() {
        assertThat(this.keys.queue(3)).isEqualTo("rsv:{s3}:queue");
        assertThat(this.keys.event(19)).isEqualTo("rsv:{s3}:event:19");
        assertThat(this.keys.consumers()).isEqualTo("rsv:consumers");
        assertThat(this.keys.allKeysPattern()).isEqualTo("rsv:*");
    }

    @Test
    void refusesShardsThatDoNotExist() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.keys.queue(16));
        assertThatIllegalArgumentException().isThrownBy(() -> new QueueKeys("rsv", 0));
    }

    private static String hashTag(String key) {
        Matcher matcher = HASH_TAG.matcher(key);
        return matcher.find() ? matcher.group(1) : null;
    }

}
