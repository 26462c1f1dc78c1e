package dev.fcfs.producer.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.fcfs.testsupport.PrivateRedis;
import io.lettuce.core.ClientOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The runner the accept path shares script runs through, on a Redis of the test's own (so its command statistics
 * count only this test's calls), with a script that echoes each call together with the size of the invocation that
 * carried it: concurrent callers share invocations, yet each gets exactly its own outcome.
 */
class BatchingScriptRunnerIntegrationTests {

    /** How long Redis stops answering in the timeout test: far longer than the calls may take to time out. */
    private static final Duration PAUSE = Duration.ofSeconds(5);

    /** Each call is one ARGV; the reply is, per call, "<group>:<value>:<calls in this invocation>"; 'fail' errors. */
    private static final RedisScript<Object> ECHO = RedisScript.of("""
            local reply = {}
            for i = 1, #ARGV do
              if ARGV[i] == 'fail' then
                return redis.error_reply('asked to fail')
              end
              reply[i] = KEYS[1] .. ':' .. ARGV[i] .. ':' .. #ARGV
            end
            return reply
            """);

    private PrivateRedis server;

    private LettuceConnectionFactory connections;

    private BatchingScriptRunner<Call, String> runner;

    @BeforeEach
    void start() {
        this.server = PrivateRedis.start();
        // as the producer configures Lettuce (RedisConfiguration): commands are rejected while disconnected
        this.connections = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(this.server.host(), this.server.port()),
                LettuceClientConfiguration.builder()
                    .clientOptions(ClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .build())
                    .build());
        this.connections.afterPropertiesSet();
        this.connections.start();
        this.runner = new BatchingScriptRunner<>(this.connections, new EchoScript(), Duration.ofSeconds(10));
        this.runner.start();
    }

    @AfterEach
    void stop() throws Exception {
        this.runner.stop();
        this.runner.destroy();
        this.connections.destroy();
        this.server.close();
    }

    @Test
    void concurrentCallersShareInvocationsOfTheirGroupAndEachGetsItsOwnOutcome() throws Exception {
        int callers = 64;
        int callsEach = 50;
        Map<String, String> outcomes = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                int id = caller;
                done.add(threads.submit(() -> {
                    go.await();
                    for (int i = 0; i < callsEach; i++) {
                        Call call = new Call(id % 3, "c" + id + "-" + i);
                        outcomes.put(call.value(), this.runner.run(call));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }

        assertThat(outcomes).hasSize(callers * callsEach);
        int largestInvocation = 0;
        for (Map.Entry<String, String> outcome : outcomes.entrySet()) {
            String[] parts = outcome.getValue().split(":");
            int caller = Integer.parseInt(outcome.getKey().substring(1, outcome.getKey().indexOf('-')));
            assertThat(parts[0]).as("group of %s", outcome.getKey()).isEqualTo("group-" + (caller % 3));
            assertThat(parts[1]).as("value of %s", outcome.getKey()).isEqualTo(outcome.getKey());
            largestInvocation = Math.max(largestInvocation, Integer.parseInt(parts[2]));
        }
        assertThat(largestInvocation).as("calls in the largest invocation")
            .isGreaterThan(1)
            .isLessThanOrEqualTo(BatchingScriptRunner.MAX_CALLS_PER_INVOCATION);
        assertThat(scriptRuns()).as("script runs for %d calls", callers * callsEach)
            .isLessThan(callers * callsEach);
    }

    @Test
    void runsTheScriptByItsTextWhenRedisForgotIt() {
        assertThat(this.runner.run(new Call(1, "before"))).isEqualTo("group-1:before:1");
        this.server.commands().scriptFlush();

        assertThat(this.runner.run(new Call(1, "after"))).isEqualTo("group-1:after:1");
    }

    @Test
    void aFailedInvocationFailsItsCallsAsADataAccessExceptionAndTheNextOneWorks() {
        assertThatExceptionOfType(RedisSystemException.class).isThrownBy(() -> this.runner.run(new Call(2, "fail")))
            .havingRootCause()
            .withMessageContaining("asked to fail");

        assertThat(this.runner.run(new Call(2, "fine"))).isEqualTo("group-2:fine:1");
    }

    @Test
    void passesTextThatIsNotAsciiThroughUnchanged() {
        String text = "Zoë-東京-\uD83C\uDFAB";

        assertThat(this.runner.run(new Call(1, text))).isEqualTo("group-1:" + text + ":1");
    }

    @Test
    void sendsALoneSurrogateAsLettuceDoesAndTheConnectionStaysInStep() {
        // the codec states each argument's size in advance: a wrong size would garble every command after it
        assertThat(this.runner.run(new Call(1, "a\uD800b"))).isEqualTo("group-1:a?b:1");

        assertThat(this.runner.run(new Call(1, "next"))).isEqualTo("group-1:next:1");
    }

    @Test
    void anInvocationRedisDoesNotAnswerInTimeFailsAsATimeoutAndTheCallsBehindItGoOutAfterIt() throws Exception {
        BatchingScriptRunner<Call, String> impatient = new BatchingScriptRunner<>(this.connections, new EchoScript(),
                Duration.ofMillis(300));
        impatient.start();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            assertThat(impatient.run(new Call(0, "warm"))).isEqualTo("group-0:warm:1");
            this.server.commands().clientPause(PAUSE.toMillis());
            long start = System.nanoTime();
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String value = "paused-" + i;
                calls.add(threads.submit(() -> impatient.run(new Call(0, value))));
            }
            for (Future<String> call : calls) {
                assertThat(call).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(QueryTimeoutException.class);
            }
            // each call waited at most for the invocations before its own to time out (4 x 300 ms), and then for its
            // own, not for Redis to answer again: the bound sits well between the two, for a busy shared machine
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PAUSE.minus(Duration.ofSeconds(1)));

            Awaitility.await("Redis answering again")
                .atMost(PAUSE.plusSeconds(5))
                .ignoreExceptions()
                .until(() -> impatient.run(new Call(0, "after")), "group-0:after:1"::equals);
        }
        finally {
            threads.shutdownNow();
            impatient.stop();
            impatient.destroy();
        }
    }

    @Test
    void answersAtOnceWithADataAccessExceptionWhileRedisIsDown() {
        this.server.close();

        long start = System.nanoTime();
        assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> this.runner.run(new Call(0, "lost")));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    /** Script runs Redis counted, whether by EVALSHA or EVAL. */
    private long scriptRuns() {
        String stats = this.server.commands().info("commandstats");
        return stats.lines()
            .filter((line) -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
            .mapToLong((line) -> Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1")))
            .sum();
    }

    private record Call(int group, String value) {
    }

    private static final class EchoScript implements BatchedScript<Call, String> {

        @Override
        public RedisScript<?> script() {
            return ECHO;
        }

        @Override
        public int groupOf(Call call) {
            return call.group();
        }

        @Override
        public Invocation<String> invocation(List<Call> calls) {
            return new Invocation<>() {

                @Override
                public String[] keys() {
                    return new String[] { "group-" + calls.get(0).group() };
                }

                @Override
                public String[] args() {
                    return calls.stream().map(Call::value).toArray(String[]::new);
                }

                @Override
                public List<String> outcomes(List<?> reply) {
                    return reply.stream().map(String::valueOf).toList();
                }

            };
        }

    }

}
