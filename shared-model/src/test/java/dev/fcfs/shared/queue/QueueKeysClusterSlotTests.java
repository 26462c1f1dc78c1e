package dev.fcfs.shared.queue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.fcfs.shared.reservation.ReservationId;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In a Redis Cluster every command and every script must name keys of a single hash slot, or Redis answers
 * {@code CROSSSLOT}. These tests compute the slots with the function Lettuce routes by ({@link SlotHash#getSlot}) for
 * every key {@link QueueKeys} builds for a shard, for every shard: every script touches keys of one shard only.
 */
class QueueKeysClusterSlotTests {

    @ParameterizedTest
    @ValueSource(ints = { 1, 3, 16, 1024 })
    void everyKeyOfAShardIsInTheShardsSlot(int shards) throws ReflectiveOperationException {
        QueueKeys keys = new QueueKeys("rsv", shards);
        for (QueueKeys layout : List.of(keys, keys.warmup("run-1"))) {
            for (int shard = 0; shard < shards; shard++) {
                long event = shard + 7L * shards;
                assertThat(keys.shardOf(event)).isEqualTo(shard);
                int slot = SlotHash.getSlot(keys.queue(shard));
                // a user id may hold braces; they come after the shard's tag, so they do not count
                assertThat(shardKeys(layout, shard, event, "}{ann}")).as("keys of shard %d of %d", shard, shards)
                    .extracting(SlotHash::getSlot)
                    .containsOnly(slot);
            }
        }
    }

    @Test
    void findsEveryKeyOfAShardThatTheScriptsUse() throws ReflectiveOperationException {
        QueueKeys keys = new QueueKeys("rsv", 4);

        assertThat(shardKeys(keys, 1, 5, "ann")).contains(keys.queue(1), keys.processing(1), keys.pending(1),
                keys.deadLetter(1), keys.progress(1), keys.lease(1), keys.event(5), keys.idempotency(5, "ann"));
    }

    @Test
    void enqueueOfRequestsForSeveralEventsOfAShardTouchesOneSlot() {
        QueueKeys keys = new QueueKeys("rsv", 16);
        EnqueueBatch batch = EnqueueBatch.of(keys, List.of(
                new EnqueueBatch.Request(ReservationId.newFor(3), 3, "ann", "}{retry-1}"),
                new EnqueueBatch.Request(ReservationId.newFor(19), 19, "bob", null)));

        assertThat(batch.keys()).extracting(SlotHash::getSlot).containsOnly(SlotHash.getSlot(keys.queue(3)));
    }

    @Test
    void givesEveryShardASlotOfItsOwn() {
        QueueKeys keys = new QueueKeys("rsv", 1024);
        Set<Integer> slots = IntStream.range(0, keys.shards())
            .mapToObj((shard) -> SlotHash.getSlot(keys.queue(shard)))
            .collect(Collectors.toSet());

        assertThat(slots).hasSize(1024);
    }

    @Test
    void spreadsTheDefaultShardsOverEveryMasterOfAThreeMasterCluster() {
        QueueKeys keys = new QueueKeys("rsv", 16);
        // redis-cli --cluster create gives three masters the slots 0-5460, 5461-10922 and 10923-16383
        Map<Integer, Long> shardsPerMaster = IntStream.range(0, keys.shards())
            .mapToObj((shard) -> SlotHash.getSlot(keys.queue(shard)))
            .collect(Collectors.groupingBy((slot) -> (slot <= 5460) ? 0 : (slot <= 10922) ? 1 : 2,
                    Collectors.counting()));

        assertThat(shardsPerMaster).containsOnlyKeys(0, 1, 2)
            .allSatisfy((master, count) -> assertThat(count).as("shards on master %d", master)
                .isGreaterThanOrEqualTo(4));
    }

    @Test
    void placesAShardOnTheSameSlotWhateverThePrefix() {
        // only the hash tag is hashed: deployments sharing a cluster under different prefixes share its slots
        assertThat(List.of(new QueueKeys("rsv", 16), new QueueKeys("t0123456789ab", 16)))
            .extracting((keys) -> SlotHash.getSlot(keys.processing(5)))
            .containsOnly(SlotHash.getSlot(new QueueKeys("other", 16).queue(5)));
    }

    /**
     * Every key {@link QueueKeys} names for a shard, found by calling each of its public methods that takes a shard,
     * an event, or an event and a user: a key added there is covered without a change here. Scripts and
     * {@code BRPOPLPUSH} take their keys only from these methods (the keys without a shard, such as
     * {@link QueueKeys#consumers()}, are each used alone).
     */
    private static List<String> shardKeys(QueueKeys keys, int shard, long event, String user)
            throws ReflectiveOperationException {
        List<String> found = new ArrayList<>();
        for (Method method : QueueKeys.class.getMethods()) {
            if (method.getReturnType() != String.class) {
                continue;
            }
            List<Class<?>> parameters = List.of(method.getParameterTypes());
            if (parameters.equals(List.of(int.class))) {
                found.add((String) method.invoke(keys, shard));
            }
            else if (parameters.equals(List.of(long.class))) {
                found.add((String) method.invoke(keys, event));
            }
            else if (parameters.equals(List.of(long.class, String.class))) {
                found.add((String) method.invoke(keys, event, user));
            }
        }
        return found;
    }

}
