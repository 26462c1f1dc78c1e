package dev.fcfs.producer.redis;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.redis.RedisRequirements;
import dev.fcfs.shared.redis.RedisRequirementsProperties.EvictionPolicyCheck;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Start-up check that this producer shares the deployment's shard count. */
class QueueLayoutCheckIntegrationTests extends ProducerIntegrationSupport {

    @Autowired
    RedisConnectionFactory connections;

    @Test
    void recordsTheShardCountAtStartupAndRefusesAnotherOne() {
        assertThat(this.redis.opsForValue().get(this.keys.layout())).isEqualTo("shards=" + this.keys.shards());

        RedisRequirements other = new RedisRequirements(this.connections,
                new QueueKeys(this.keys.prefix(), this.keys.shards() + 1), EvictionPolicyCheck.OFF);

        assertThatIllegalStateException().isThrownBy(other::start).withMessageContaining("reservation.queue.shards");
    }

}
