package dev.fcfs.e2e;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.fcfs.loadgen.History;
import dev.fcfs.loadgen.History.Decision;
import dev.fcfs.loadgen.InvariantChecker;
import dev.fcfs.loadgen.LoadDriver;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.testsupport.Deployment;
import dev.fcfs.testsupport.PrivateRedisCluster;
import dev.fcfs.testsupport.ServiceProcess;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same jars, unchanged, against a real three-master Redis Cluster (redis-server processes on loopback) instead of
 * one Redis: only {@code SPRING_DATA_REDIS_CLUSTER_NODES} differs. A burst with repeated users, idempotent replays and
 * bad input, a consumer killed with SIGKILL in the middle of it, and a second burst while it stays dead; a shard's slot
 * moved to another master; dead letters on every master. Every guarantee is checked through the API. Skipped where
 * {@code redis-server} or {@code redis-cli} is missing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RedisClusterTests {

    private static final int MASTERS = 3;

    /**
     * Events 1 to 4 land on shards 1 to 4, whose hash tags {s1}..{s4} fall on all three masters; with six shards each
     * consumer serves three, so both serve events before the kill.
     */
    private static final int SHARDS = 6;

    private static Deployment deployment;

    private static LoadDriver driver;

    @BeforeAll
    static void startServices() {
        assumeTrue(PrivateRedisCluster.binariesAvailable(),
                "redis-server and redis-cli are not on the PATH: the Redis Cluster end-to-end test cannot run here");
        // Small batches make deciding take long enough for the kill to land mid-burst.
        deployment = Deployment.builder("cluster")
            .redisCluster(MASTERS)
            .shards(SHARDS)
            .consumers(2)
            .consumerSettings(Map.of("RESERVATION_WORKER_LEASE_TTL", "2s", "RESERVATION_WORKER_BLOCK_TIMEOUT", "1s",
                    "RESERVATION_WORKER_BATCH_SIZE", "20"))
            .start();
        driver = new LoadDriver(new ReservationApi(deployment.producer().baseUri(), deployment.adminToken()));
    }

    @AfterAll
    static void stopServices() {
        if (driver != null) {
            driver.close();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void keepsEveryGuaranteeOnAThreeMasterClusterThroughABurstAndAKilledConsumer() {
        PrivateRedisCluster cluster = deployment.redisCluster();
        ServiceProcess consumer = deployment.consumers().get(1);
        assertThat(health(consumer)).as("%s health", consumer).contains("\"cluster_size\":" + MASTERS);

        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Long> events = List.of(driver.createEvent("cluster-a", 30).id(), driver.createEvent("cluster-b", 150).id(),
                driver.createEvent("cluster-c", 600).id(), driver.createEvent("cluster-d", 1500).id());
        String prefix = deployment.keyPrefix();
        assertThat(cluster.keysPerNode(prefix + ":*:event:*")).as("event keys per master")
            .hasSize(MASTERS)
            .allSatisfy((node, keys) -> assertThat(keys).as("event keys on %s", node).isPositive());

        CompletableFuture<Void> firstWave = driver.fire(Requests.interleave(random,
                Requests.valid(events, 1500, 1000, random), Requests.idempotentReplays(events, 20, random),
                Requests.malformed(events)));
        MidBurstKill kill = MidBurstKill.during(firstWave, new Shards(deployment, SHARDS), deployment.consumers(),
                driver);
        ServiceProcess victim = kill.victim();
        ServiceProcess survivor = kill.survivor();

        // The survivor takes the victim's shards over after the lease TTL and decides what it left, in order.
        driver.fire(Requests.valid(events, 1000, 1000, random)).orTimeout(2, TimeUnit.MINUTES).join();
        driver.awaitAllDecided(Duration.ofSeconds(60));
        History history = driver.history();

        System.out.printf("RedisClusterTests (seed %d) on %s: %s, %d retried after 429/503; %s%n", seed, cluster,
                kill, driver.retried(), InvariantChecker.summary(history));
        assertThat(InvariantChecker.violations(history)).as("violations (seed %d) in %s", seed, deployment).isEmpty();
        assertThat(history.validRequests()).isEqualTo(1500 + 20 + 1000);
        List<String> outcomes = history.decisions().values().stream().map(Decision::outcome).toList();
        assertThat(outcomes).contains("CONFIRMED seat 1", "REJECTED/DUPLICATE");
        assertThat(outcomes.contains("REJECTED/SOLD_OUT") || !history.soldOutAtDoor().isEmpty())
            .as("some request was refused as sold out").isTrue();
        assertThat(survivor.isAlive()).as("%s alive", survivor).isTrue();
        assertThat(deployment.producer().isAlive()).as("producer alive").isTrue();
    }

    @Test
    void answersEveryRequestAtOnceAfterAShardsSlotMovedToAnotherMaster() {
        PrivateRedisCluster cluster = deployment.redisCluster();
        List<String> slowOrRefused = new CopyOnWriteArrayList<>();
        // One request at a time: nothing else in flight would flush a command Lettuce re-sends after a redirection.
        // Such a command used to wait for the producer's 2 s Redis timeout (503); a second and a half leaves room for
        // a slow shared machine.
        try (LoadDriver oneByOne = new LoadDriver(new ReservationApi(deployment.producer().baseUri(),
                deployment.adminToken()), 1, (request, attempt, status, latencyNanos) -> {
                    if (status != 202 || latencyNanos > Duration.ofMillis(1500).toNanos()) {
                        slowOrRefused.add(status + " after " + latencyNanos / 1_000_000 + " ms");
                    }
                })) {
            Random random = new Random(42);
            long event = oneByOne.createEvent("cluster-moved", 1000).id();
            oneByOne.fire(Requests.valid(List.of(event), 20, 20, random)).orTimeout(1, TimeUnit.MINUTES).join();
            String queue = deployment.keyPrefix() + ":{s" + (event % SHARDS) + "}:queue";

            String moved = cluster.moveSlot(SlotHash.getSlot(queue));
            oneByOne.fire(Requests.valid(List.of(event), 20, 20, random)).orTimeout(1, TimeUnit.MINUTES).join();
            oneByOne.awaitAllDecided(Duration.ofSeconds(60));
            History history = oneByOne.history();

            System.out.printf("RedisClusterTests: slot of %s moved %s; %s%n", queue, moved,
                    InvariantChecker.summary(history));
            assertThat(slowOrRefused).as("answers other than a 202 within 1.5 s after moving %s", moved)
                .isEmpty();
            assertThat(oneByOne.retried()).isZero();
            assertThat(InvariantChecker.violations(history)).isEmpty();
            assertThat(history.validRequests()).isEqualTo(40);
        }
    }

    @Test
    void parksUndecodableJobsOnEveryMasterAndLetsTheOperatorRequeueAndDiscardThem() {
        ReservationApi api = new ReservationApi(deployment.producer().baseUri(), deployment.adminToken());
        Map<String, String> admin = Map.of("Authorization", "Bearer " + deployment.adminToken());
        String prefix = deployment.keyPrefix();
        // A job no worker can decode on every shard, queued like the producer queues (LPUSH): each worker parks its
        // shard's one in the shard's dead letters (dead_letter.lua), so the dead letters live on all three masters.
        RedisClusterClient client = RedisClusterClient.create(deployment.redisCluster().nodes().stream()
            .map((node) -> RedisURI.create("redis://" + node)).toList());
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            for (int shard = 0; shard < SHARDS; shard++) {
                connection.sync().lpush(prefix + ":{s" + shard + "}:queue", "not a job, shard " + shard);
            }
        }
        finally {
            client.shutdown();
        }
        awaitDeadLetters(api, admin, SHARDS);

        long requeued = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            ReservationApi.Answer answer = api.send("POST", "/admin/dead-letters/" + shard + "/requeue-all", null, null,
                    admin);
            assertThat(answer.status()).as("requeue-all of shard %d: %s", shard, answer).isEqualTo(200);
            requeued += answer.json().path("requeued").asLong();
        }
        assertThat(requeued).isEqualTo(SHARDS);
        // still undecodable: parked again
        JsonNode listing = awaitDeadLetters(api, admin, SHARDS);
        for (JsonNode entry : listing.path("entries")) {
            ReservationApi.Answer answer = api.send("DELETE", "/admin/dead-letters/" + entry.path("shard").asInt() + "/"
                    + entry.path("id").asString() + "?reason=e2e", null, null, admin);
            assertThat(answer.status()).as("discard %s: %s", entry, answer).isEqualTo(204);
        }
        awaitDeadLetters(api, admin, 0);

        // the dashboard samples every shard's lists and lease in one pipeline that spans all masters
        Awaitility.await("dashboard shows every shard owned")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(() -> {
                ReservationApi.Answer answer = api.send("GET", "/dashboard/data", null, null, Map.of());
                assertThat(answer.status()).isEqualTo(200);
                JsonNode dashboard = answer.json();
                assertThat(dashboard.path("stale").asBoolean()).as("stale: %s", answer).isFalse();
                assertThat(dashboard.path("shards")).hasSize(SHARDS)
                    .allSatisfy((row) -> assertThat(row.path("owner").isString()).as("owner of %s", row).isTrue());
            });
    }

    private static JsonNode awaitDeadLetters(ReservationApi api, Map<String, String> admin, int expected) {
        AtomicReference<JsonNode> listing = new AtomicReference<>();
        Awaitility.await(expected + " dead letters")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(() -> {
                ReservationApi.Answer answer = api.send("GET", "/admin/dead-letters", null, null, admin);
                assertThat(answer.status()).as("%s", answer).isEqualTo(200);
                listing.set(answer.json());
                assertThat(listing.get().path("total").asLong()).as("%s", answer).isEqualTo(expected);
            });
        return listing.get();
    }

    /** {@code GET /actuator/health} of a consumer, which shows the details of its Redis connection. */
    private static String health(ServiceProcess service) {
        HttpRequest request = HttpRequest.newBuilder(service.baseUri().resolve("/actuator/health"))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofString());
            return response.body().replace(" ", "");
        }
        catch (IOException ex) {
            throw new IllegalStateException("No health answer from " + service, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

}
