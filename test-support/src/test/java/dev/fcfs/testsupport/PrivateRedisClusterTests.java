package dev.fcfs.testsupport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.util.List;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PrivateRedisClusterTests {

    @BeforeAll
    static void needsRedisBinaries() {
        assumeTrue(PrivateRedisCluster.binariesAvailable(),
                "redis-server and redis-cli not found on the PATH: the Redis Cluster harness cannot run here");
    }

    @Test
    void startsAThreeMasterClusterMovesASlotDeletesKeysFromEveryMasterAndLeavesNothingBehind() throws IOException {
        PrivateRedisCluster cluster = PrivateRedisCluster.start(3);
        List<String> nodes = cluster.nodes();
        try {
            assertThat(nodes).hasSize(3);
            assertThat(cluster.nodesProperty()).isEqualTo(String.join(",", nodes));
            RedisClusterClient client = RedisClusterClient
                .create(nodes.stream().map((node) -> RedisURI.create("redis://" + node)).toList());
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                RedisAdvancedClusterCommands<String, String> redis = connection.sync();
                for (int shard = 0; shard < 16; shard++) {
                    redis.set("mine:{s" + shard + "}:queue", "x");
                    redis.set("theirs:{s" + shard + "}:queue", "x");
                }
                assertThat(cluster.keysPerNode("*")).as("keys per master").hasSize(3)
                    .allSatisfy((node, keys) -> assertThat(keys).isPositive());

                String moved = cluster.moveSlot(SlotHash.getSlot("mine:{s0}:queue"));
                String target = moved.substring(moved.indexOf("-> ") + 3);
                assertThat(cluster.keysPerNode("*:{s0}:*")).as("keys of {s0} after moving %s", moved)
                    .containsEntry(target, 2L);
                assertThat(redis.get("mine:{s0}:queue")).as("read through MOVED").isEqualTo("x");

                // SCAN on every master, UNLINK per slot: all of "mine", none of "theirs"
                TestServers.deleteClusterKeys(nodes, "mine");

                assertThat(cluster.keysPerNode("mine:*").values()).containsOnly(0L);
                assertThat(cluster.keysPerNode("*").values().stream().mapToLong(Long::longValue).sum()).isEqualTo(16);
                assertThat(redis.exists("theirs:{s0}:queue", "theirs:{s1}:queue")).isEqualTo(2);
            }
            finally {
                client.shutdown();
            }
        }
        finally {
            cluster.close();
        }

        assertThat(cluster.directories()).isNotEmpty()
            .allSatisfy((directory) -> assertThat(Files.exists(directory)).as("%s deleted", directory).isFalse());
        for (String node : nodes) {
            int port = Integer.parseInt(node.substring(node.indexOf(':') + 1));
            assertThatExceptionOfType(ConnectException.class).as("%s stopped", node)
                .isThrownBy(() -> new Socket("127.0.0.1", port).close());
        }
        cluster.close(); // a second close is harmless
    }

}
