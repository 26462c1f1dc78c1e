package dev.fcfs.shared.queue;

import java.util.LinkedHashMap;
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
 * the key lists the code really passes, for every shard.
 */
class QueueKeysClusterSlotTests {

    @ParameterizedTest
    @ValueSource(ints = { 1, 3, 16, 1024 })
    void everyScriptAndBrpoplpushTouchOneSlotForEveryShard(int shards) {
        QueueKeys keys = new QueueKeys("rsv", shards);
        for (int shard = 0; shard < shards; shard++) {
            long event = shard + 7L * shards;
            assertThat(keys.shardOf(event)).isEqualTo(shard);
            int slot = SlotHash.getSlot(keys.queue(shard));
            // braces in an Idempotency-Key (visible ASCII is allowed) come after the shard's tag, so they do not count
            Map<String, List<String>> commands = keysPerCommand(keys, shard, event, "}{retry-1}");
            for (Map.Entry<String, List<String>> command : commands.entrySet()) {
                assertThat(command.getValue()).as("%s on shard %d of %d", command.getKey(), shard, shards)
                    .extracting(SlotHash::getSlot)
                    .containsOnly(slot);
            }
        }
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

    /** What each command sends as its keys, in the order the code sends them (see each script's header). */
    private static Map<String, List<String>> keysPerCommand(QueueKeys keys, int shard, long event,
            String idempotencyKey) {
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("enqueue.lua", List.of(EnqueueBatch.of(keys, List.of(
                new EnqueueBatch.Request(ReservationId.newFor(event), event, "ann", idempotencyKey),
                new EnqueueBatch.Request(ReservationId.newFor(event + keys.shards()), event + keys.shards(), "bob",
                        null)))
            .keys()));
        commands.put("register_event.lua, update_window.lua", List.of(keys.event(event)));
        commands.put("shard_backlog.lua", List.of(keys.event(event), keys.pending(shard), keys.deadLetter(shard)));
        commands.put("mark_sold_out.lua", List.of(keys.event(event)));
        commands.put("take_batch.lua", List.of(keys.queue(shard), keys.processing(shard)));
        commands.put("BRPOPLPUSH", List.of(keys.queue(shard), keys.processing(shard)));
        commands.put("ack.lua", List.of(keys.processing(shard), keys.pending(shard), keys.progress(shard)));
        commands.put("dead_letter.lua", List.of(keys.processing(shard), keys.deadLetter(shard),
                keys.progress(shard)));
        commands.put("SET NX PX lease, renew_lease.lua, release_lease.lua", List.of(keys.lease(shard)));
        commands.put("requeue_dead_letter.lua, requeue_all_dead_letters.lua", List.of(keys.deadLetter(shard),
                keys.queue(shard), keys.pending(shard)));
        commands.put("discard_dead_letter.lua", List.of(keys.deadLetter(shard), keys.pending(shard)));
        commands.put("HGET pending (status)", List.of(keys.pending(shard)));
        return commands;
    }

}
