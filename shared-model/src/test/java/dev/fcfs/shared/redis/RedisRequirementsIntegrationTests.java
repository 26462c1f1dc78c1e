package dev.fcfs.shared.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.redis.RedisRequirementsProperties.EvictionPolicyCheck;
import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.TcpProxy;
import dev.fcfs.testsupport.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/** The start-up check of {@code maxmemory-policy} and the queue layout against Redis servers of the test's own. */
@ExtendWith(OutputCaptureExtension.class)
class RedisRequirementsIntegrationTests {

    private final List<AutoCloseable> resources = new ArrayList<>();

    private final QueueKeys keys = new QueueKeys(TestServers.newKeyPrefix(), 2);

    @AfterEach
    void closeAll() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
    }

    @Test
    void passesANoevictionRedis(CapturedOutput output) {
        PrivateRedis server = redis("--maxmemory-policy", "noeviction");
        RedisRequirements requirements = requirements(server, EvictionPolicyCheck.FAIL);

        requirements.start();

        assertThat(output).contains("Redis maxmemory-policy checked: " + server.host() + ":" + server.port()
                + " maxmemory-policy noeviction");
        assertThatNoException().isThrownBy(requirements::requireMet);
    }

    @Test
    void failRefusesToStartOnAnEvictingRedisNamingThePolicyAndTheFix() {
        PrivateRedis server = redis("--maxmemory-policy", "allkeys-lru");
        RedisRequirements requirements = requirements(server, EvictionPolicyCheck.FAIL);

        assertThatExceptionOfType(RedisRequirementsException.class).isThrownBy(requirements::start)
            .withMessageContaining(server.host() + ":" + server.port() + " maxmemory-policy allkeys-lru")
            .withMessageContaining("CONFIG SET maxmemory-policy noeviction")
            .withMessageContaining("reservation.redis.eviction-policy-check");
    }

    @Test
    void failRefusesVolatilePoliciesToo() {
        // volatile-* evicts only keys with a TTL: idempotency answers and shard leases
        RedisRequirements requirements = requirements(redis("--maxmemory-policy", "volatile-lru"),
                EvictionPolicyCheck.FAIL);

        assertThatExceptionOfType(RedisRequirementsException.class).isThrownBy(requirements::start)
            .withMessageContaining("volatile-lru");
    }

    @Test
    void warnStartsOnAnEvictingRedisAndSaysSoLoudly(CapturedOutput output) {
        RedisRequirements requirements = requirements(redis("--maxmemory-policy", "allkeys-lru"),
                EvictionPolicyCheck.WARN);

        requirements.start();

        assertThatNoException().isThrownBy(requirements::requireMet);
        assertThat(output).doesNotContain("maxmemory-policy checked");
        assertThat(output).contains("WARN").contains("maxmemory-policy allkeys-lru")
            .contains("eviction-policy-check=warn").contains("CONFIG SET maxmemory-policy noeviction");
    }

    @Test
    void offReadsNothing(CapturedOutput output) {
        // CONFIG and INFO are disabled: any read would fail
        RedisRequirements requirements = requirements(redis("--maxmemory-policy", "allkeys-lru", "--rename-command",
                "CONFIG", "", "--rename-command", "INFO", ""), EvictionPolicyCheck.OFF);

        requirements.start();

        assertThatNoException().isThrownBy(requirements::requireMet);
        assertThat(output).contains("not checked (reservation.redis.eviction-policy-check=off)");
    }

    @Test
    void readsThePolicyFromInfoWhereConfigIsDisabled(CapturedOutput output) {
        RedisRequirements safe = requirements(redis("--rename-command", "CONFIG", ""), EvictionPolicyCheck.FAIL);
        safe.start();
        assertThatNoException().isThrownBy(safe::requireMet);
        assertThat(output).contains("CONFIG GET refused").contains("read from INFO memory instead");

        RedisRequirements unsafe = requirements(redis("--maxmemory-policy", "allkeys-random", "--rename-command",
                "CONFIG", ""), EvictionPolicyCheck.FAIL);
        assertThatExceptionOfType(RedisRequirementsException.class).isThrownBy(unsafe::start)
            .withMessageContaining("maxmemory-policy allkeys-random");
    }

    @Test
    void failRefusesAndWarnToleratesARedisWhosePolicyCannotBeRead() {
        PrivateRedis server = redis("--rename-command", "CONFIG", "", "--rename-command", "INFO", "");

        assertThatExceptionOfType(RedisRequirementsException.class)
            .isThrownBy(() -> requirements(server, EvictionPolicyCheck.FAIL).start())
            .withMessageContaining("Cannot tell whether Redis may evict queued jobs")
            .withMessageContaining("maxmemory-policy unknown (CONFIG GET refused")
            .withMessageContaining("INFO refused");
        RedisRequirements warn = requirements(server, EvictionPolicyCheck.WARN);
        warn.start();
        assertThatNoException().isThrownBy(warn::requireMet);
    }

    @Test
    void startsWithoutRedisAndChecksAsSoonAsItIsReachable(CapturedOutput output) {
        PrivateRedis server = redis("--maxmemory-policy", "noeviction");
        TcpProxy proxy = track(TcpProxy.to(server.host(), server.port()));
        proxy.cut();
        RedisRequirements requirements = requirements("127.0.0.1", proxy.port(), this.keys, EvictionPolicyCheck.FAIL);

        requirements.start();

        assertThat(output).contains("Could not read the Redis maxmemory-policy at start-up");
        assertThatExceptionOfType(RedisRequirementsException.class).isThrownBy(requirements::requireMet)
            .withMessageContaining("has not been checked yet");
        proxy.restore();
        await().atMost(Duration.ofSeconds(15))
            .untilAsserted(() -> assertThatNoException().isThrownBy(requirements::requireMet));
        assertThat(server.commands().get(this.keys.layout())).isEqualTo("shards=2");
    }

    @Test
    void refusesAnEvictingRedisFoundAfterStartUpUntilItIsFixed(CapturedOutput output) {
        PrivateRedis server = redis("--maxmemory-policy", "allkeys-lru");
        TcpProxy proxy = track(TcpProxy.to(server.host(), server.port()));
        proxy.cut();
        RedisRequirements requirements = requirements("127.0.0.1", proxy.port(), this.keys, EvictionPolicyCheck.FAIL);
        requirements.start();

        proxy.restore();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(output).contains("ERROR")
            .contains("maxmemory-policy allkeys-lru"));
        assertThatExceptionOfType(RedisRequirementsException.class).isThrownBy(requirements::requireMet)
            .withMessageContaining("allkeys-lru");

        server.commands().configSet("maxmemory-policy", "noeviction");
        await().atMost(Duration.ofSeconds(15))
            .untilAsserted(() -> assertThatNoException().isThrownBy(requirements::requireMet));
    }

    @Test
    void recordsTheShardCountAndRefusesToStartWithAnotherOne() {
        PrivateRedis server = redis("--maxmemory-policy", "noeviction");
        requirements(server, this.keys, EvictionPolicyCheck.FAIL).start();
        requirements(server, new QueueKeys(this.keys.prefix(), this.keys.shards()), EvictionPolicyCheck.FAIL).start();
        assertThat(server.commands().get(this.keys.layout())).isEqualTo("shards=2");

        RedisRequirements other = requirements(server, new QueueKeys(this.keys.prefix(), 3), EvictionPolicyCheck.WARN);

        assertThatIllegalStateException().isThrownBy(other::start)
            .withMessageContaining("says this deployment runs with shards=2, but this service is configured with "
                    + "shards=3")
            .withMessageContaining("reservation.queue.shards")
            .withMessageContaining("drain the queues, delete the key and restart all services");
    }

    @Test
    void refusesAnotherShardCountFoundAfterStartUp(CapturedOutput output) {
        PrivateRedis server = redis("--maxmemory-policy", "noeviction");
        server.commands().set(this.keys.layout(), "shards=4");
        TcpProxy proxy = track(TcpProxy.to(server.host(), server.port()));
        proxy.cut();
        RedisRequirements requirements = requirements("127.0.0.1", proxy.port(), this.keys, EvictionPolicyCheck.FAIL);
        requirements.start();

        proxy.restore();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(output).contains("ERROR")
            .contains("Nothing is queued or taken from the queues until it is fixed (reservation.queue.shards)"));

        assertThatExceptionOfType(RedisRequirementsException.class).isThrownBy(requirements::requireMet)
            .withMessageContaining("runs with shards=4, but this service is configured with shards=2");
    }

    @Test
    void recognisesTheOutOfMemoryReplyWhereverItIsWrapped() {
        PrivateRedis server = redis("--maxmemory", "1mb", "--maxmemory-policy", "noeviction");
        server.commands().configSet("maxmemory", "1");

        Throwable refused = catchFailure(() -> server.commands().set("k", "v"));
        Throwable refusedInScript = catchFailure(() -> server.commands()
            .eval("return redis.call('SET', KEYS[1], 'v')", io.lettuce.core.ScriptOutputType.STATUS, "k"));

        assertThat(RedisErrors.isOutOfMemory(refused)).as("%s", refused).isTrue();
        assertThat(RedisErrors.isOutOfMemory(new IllegalStateException("wrapped", refusedInScript))).isTrue();
        assertThat(RedisErrors.isOutOfMemory(new IllegalStateException("ERR unknown command"))).isFalse();
    }

    private PrivateRedis redis(String... args) {
        return track(PrivateRedis.start(args));
    }

    private RedisRequirements requirements(PrivateRedis server, EvictionPolicyCheck check) {
        return requirements(server, this.keys, check);
    }

    private RedisRequirements requirements(PrivateRedis server, QueueKeys keys, EvictionPolicyCheck check) {
        return requirements(server.host(), server.port(), keys, check);
    }

    private RedisRequirements requirements(String host, int port, QueueKeys keys, EvictionPolicyCheck check) {
        LettuceConnectionFactory connections = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(host, port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
        connections.afterPropertiesSet();
        connections.start();
        this.resources.add(connections::destroy);
        RedisRequirements requirements = new RedisRequirements(connections, keys, check);
        this.resources.add(requirements::stop);
        return requirements;
    }

    private <T extends AutoCloseable> T track(T resource) {
        this.resources.add(resource);
        return resource;
    }

    private static Throwable catchFailure(Runnable command) {
        try {
            command.run();
        }
        catch (RuntimeException ex) {
            return ex;
        }
        throw new AssertionError("expected Redis to refuse");
    }

}
