package dev.fcfs.producer.event;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.testsupport.PrivateRedis;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registering an event costs Redis O(1) however many jobs its shard holds: during a drop, creating an event (or
 * restoring one Redis lost) must not read the pending hash, which would block Redis for every other client. Proved
 * with Redis's own command counters ({@code INFO commandstats}, which count the commands scripts run too), on a
 * Redis of this test's own so that no other client's commands are counted.
 */
@Import(EventRegistrationCostIntegrationTests.OwnRedis.class)
// the dashboard's sampler would add its own commands to the counts
@TestPropertySource(properties = "reservation.dashboard.enabled=false")
class EventRegistrationCostIntegrationTests extends ProducerIntegrationSupport {

    /** Commands whose cost grows with the size of a hash or list. */
    private static final Set<String> READS_OF_A_WHOLE_KEY = Set.of("hvals", "hgetall", "hkeys", "hscan", "lrange",
            "hrandfield", "sort", "lpos", "lrem", "scan", "keys");

    private static final int JOBS_PER_SHARD = 20_000;

    @Autowired
    PrivateRedis server;

    @Test
    void creatingAnEventReadsNoneOfTheJobsOfItsShard() {
        fillEveryShardsPendingHash();
        this.server.commands().configResetstat();

        long eventId = createEvent("during-a-drop", 100);

        Map<String, Long> calls = commandCalls();
        assertThat(calls).as("commands run").doesNotContainKeys(READS_OF_A_WHOLE_KEY.toArray(String[]::new));
        // the counters do see what the registration script ran
        assertThat(calls).containsKeys("hset", "exists");
        assertThat(eventField(eventId, "seq")).isEqualTo("0");
    }

    @Test
    void restoringAnEventRedisLostReadsNoneOfTheJobsOfItsShardEither() {
        long eventId = createEvent("lost-during-a-drop", 100);
        fillEveryShardsPendingHash();
        this.redis.delete(this.keys.event(eventId));
        this.server.commands().configResetstat();

        long position = reserveAccepted(eventId, "u-1").path("position").asLong();

        Map<String, Long> calls = commandCalls();
        assertThat(calls).as("commands run").doesNotContainKeys(READS_OF_A_WHOLE_KEY.toArray(String[]::new));
        assertThat(calls).containsKeys("hlen", "llen");
        assertThat(position).isGreaterThan(JOBS_PER_SHARD);
    }

    /** Fills each shard's pending hash with jobs of an event that is not the test's, as during a drop. */
    private void fillEveryShardsPendingHash() {
        RedisCommands<String, String> commands = this.server.commands();
        for (int shard = 0; shard < this.keys.shards(); shard++) {
            String pending = this.keys.pending(shard);
            Map<String, String> chunk = new HashMap<>();
            for (int i = 0; i < JOBS_PER_SHARD; i++) {
                String id = "00000000-0000-4000-8000-" + String.format("%012d", i);
                chunk.put(id, "{\"v\":1,\"id\":\"" + id + "\",\"event\":999999,\"user\":\"u\",\"pos\":" + (i + 1)
                        + ",\"at\":1}");
                if (chunk.size() == 1_000) {
                    commands.hset(pending, chunk);
                    chunk.clear();
                }
            }
            assertThat(commands.hlen(pending)).isEqualTo(JOBS_PER_SHARD);
        }
    }

    /** {@code INFO commandstats} as command name → calls since the last {@code CONFIG RESETSTAT}. */
    private Map<String, Long> commandCalls() {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : this.server.commands().info("commandstats").split("\r?\n")) {
            // cmdstat_hset:calls=3,usec=12,...
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String callsField = line.substring(line.indexOf("calls=") + "calls=".length());
                calls.put(name, Long.parseLong(callsField.substring(0, callsField.indexOf(','))));
            }
        }
        return calls;
    }

    /** The producer's Redis: a server of this test's own, whose command counters only this test moves. */
    @TestConfiguration(proxyBeanMethods = false)
    static class OwnRedis {

        @Bean(destroyMethod = "close")
        PrivateRedis privateRedis() {
            return PrivateRedis.start();
        }

        @Bean
        @Primary
        DataRedisConnectionDetails privateRedisConnection(PrivateRedis redis) {
            return redis.connectionDetails();
        }

    }

}
