package dev.fcfs.shared.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fcfs.testsupport.PrivateRedis;
import dev.fcfs.testsupport.TcpProxy;
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
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/** The start-up check of {@code maxmemory-policy} against Redis servers of the test's own. */
@ExtendWith(OutputCaptureExtension.class)
class EvictionPolicyGuardIntegrationTests {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
    }

    @Test
    void passesANoevictionRedis() {
        EvictionPolicyGuard guard = guard(redis("--maxmemory-policy", "noeviction"), EvictionPolicyCheck.FAIL);

        guard.start();

        assertThat(guard.verified()).isTrue();
        assertThatNoException().isThrownBy(guard::requireSafe);
    }

    @Test
    void failRefusesToStartOnAnEvictingRedisNamingThePolicyAndTheFix() {
        PrivateRedis server = redis("--maxmemory-policy", "allkeys-lru");
        EvictionPolicyGuard guard = guard(server, EvictionPolicyCheck.FAIL);

        assertThatExceptionOfType(UnsafeEvictionPolicyException.class).isThrownBy(guard::start)
            .withMessageContaining(server.host() + ":" + server.port() + " maxmemory-policy allkeys-lru")
            .withMessageContaining("CONFIG SET maxmemory-policy noeviction")
            .withMessageContaining("reservation.redis.eviction-policy-check");
    }

    @Test
    void failRefusesVolatilePoliciesToo() {
        // volatile-* evicts only keys with a TTL: idempotency answers and shard leases
        EvictionPolicyGuard guard = guard(redis("--maxmemory-policy", "volatile-lru"), EvictionPolicyCheck.FAIL);

        assertThatExceptionOfType(UnsafeEvictionPolicyException.class).isThrownBy(guard::start)
            .withMessageContaining("volatile-lru");
    }

    @Test
    void warnStartsOnAnEvictingRedisAndSaysSoLoudly(CapturedOutput output) {
        EvictionPolicyGuard guard = guard(redis("--maxmemory-policy", "allkeys-lru"), EvictionPolicyCheck.WARN);

        guard.start();

        assertThatNoException().isThrownBy(guard::requireSafe);
        assertThat(guard.verified()).isFalse();
        assertThat(output).contains("WARN").contains("maxmemory-policy allkeys-lru")
            .contains("eviction-policy-check=warn").contains("CONFIG SET maxmemory-policy noeviction");
    }

    @Test
    void offReadsNothing(CapturedOutput output) {
        // CONFIG and INFO are disabled: any read would fail
        EvictionPolicyGuard guard = guard(redis("--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG",
                "", "--rename-command", "INFO", ""), EvictionPolicyCheck.OFF);

        guard.start();

        assertThatNoException().isThrownBy(guard::requireSafe);
        assertThat(output).contains("not checked (reservation.redis.eviction-policy-check=off)");
    }

    @Test
    void readsThePolicyFromInfoWhereConfigIsDisabled(CapturedOutput output) {
        EvictionPolicyGuard safe = guard(redis("--rename-command", "CONFIG", ""), EvictionPolicyCheck.FAIL);
        safe.start();
        assertThat(safe.verified()).isTrue();
        assertThat(output).contains("CONFIG GET refused").contains("read from INFO memory instead");

        EvictionPolicyGuard unsafe = guard(redis("--maxmemory-policy", "allkeys-random", "--rename-command", "CONFIG",
                ""), EvictionPolicyCheck.FAIL);
        assertThatExceptionOfType(UnsafeEvictionPolicyException.class).isThrownBy(unsafe::start)
            .withMessageContaining("maxmemory-policy allkeys-random");
    }

    @Test
    void failRefusesAndWarnToleratesARedisWhosePolicyCannotBeRead() {
        PrivateRedis server = redis("--rename-command", "CONFIG", "", "--rename-command", "INFO", "");

        assertThatExceptionOfType(UnsafeEvictionPolicyException.class)
            .isThrownBy(() -> guard(server, EvictionPolicyCheck.FAIL).start())
            .withMessageContaining("Cannot tell whether Redis may evict queued jobs")
            .withMessageContaining("maxmemory-policy unknown (CONFIG GET refused")
            .withMessageContaining("INFO refused");
        EvictionPolicyGuard warn = guard(server, EvictionPolicyCheck.WARN);
        warn.start();
        assertThatNoException().isThrownBy(warn::requireSafe);
    }

    @Test
    void startsWithoutRedisAndChecksAsSoonAsItIsReachable(CapturedOutput output) {
        PrivateRedis server = redis("--maxmemory-policy", "noeviction");
        TcpProxy proxy = track(TcpProxy.to(server.host(), server.port()));
        proxy.cut();
        EvictionPolicyGuard guard = guard("127.0.0.1", proxy.port(), EvictionPolicyCheck.FAIL);

        guard.start();

        assertThat(output).contains("Could not read the Redis maxmemory-policy at start-up");
        assertThatExceptionOfType(UnsafeEvictionPolicyException.class).isThrownBy(guard::requireSafe)
            .withMessageContaining("has not been checked yet");
        proxy.restore();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(guard.verified()).isTrue());
        assertThatNoException().isThrownBy(guard::requireSafe);
    }

    @Test
    void refusesAnEvictingRedisFoundAfterStartUpUntilItIsFixed(CapturedOutput output) {
        PrivateRedis server = redis("--maxmemory-policy", "allkeys-lru");
        TcpProxy proxy = track(TcpProxy.to(server.host(), server.port()));
        proxy.cut();
        EvictionPolicyGuard guard = guard("127.0.0.1", proxy.port(), EvictionPolicyCheck.FAIL);
        guard.start();

        proxy.restore();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(output).contains("ERROR")
            .contains("maxmemory-policy allkeys-lru"));
        assertThatExceptionOfType(UnsafeEvictionPolicyException.class).isThrownBy(guard::requireSafe)
            .withMessageContaining("allkeys-lru");

        server.commands().configSet("maxmemory-policy", "noeviction");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(guard.verified()).isTrue());
        assertThatNoException().isThrownBy(guard::requireSafe);
    }

    @Test
    void recognisesTheOutOfMemoryReplyWhereverItIsWrapped() {
        PrivateRedis server = redis("--maxmemory", "1mb", "--maxmemory-policy", "noeviction");
        server.commands().configSet("maxmemory", "1");

        Throwable refused = catchFailure(() -> server.commands().set("k", "v"));
        Throwable refusedInScript = catchFailure(
                () -> server.commands().eval("return redis.call('SET', KEYS[1], 'v')", io.lettuce.core.ScriptOutputType.STATUS, "k"));

        assertThat(RedisErrors.isOutOfMemory(refused)).as("%s", refused).isTrue();
        assertThat(RedisErrors.isOutOfMemory(new IllegalStateException("wrapped", refusedInScript))).isTrue();
        assertThat(RedisErrors.isOutOfMemory(new IllegalStateException("ERR unknown command"))).isFalse();
    }

    private PrivateRedis redis(String... args) {
        return track(PrivateRedis.start(args));
    }

    private EvictionPolicyGuard guard(PrivateRedis server, EvictionPolicyCheck mode) {
        return guard(server.host(), server.port(), mode);
    }

    private EvictionPolicyGuard guard(String host, int port, EvictionPolicyCheck mode) {
        LettuceConnectionFactory connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
        connections.afterPropertiesSet();
        connections.start();
        this.resources.add(connections::destroy);
        EvictionPolicyGuard guard = new EvictionPolicyGuard(connections, mode, host + ":" + port);
        this.resources.add(guard::stop);
        return guard;
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
