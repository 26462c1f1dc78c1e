package dev.fcfs.producer.system;

import dev.fcfs.producer.ProducerIntegrationSupport;
import dev.fcfs.shared.queue.QueueKeys;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Start-up check that this producer shares the deployment's shard count. */
class QueueLayoutCheckIntegrationTests extends ProducerIntegrationSupport {

    @Test
    void recordsTheShardCountAtStartupAndRefusesAnotherOne() {
        assertThat(this.redis.opsForValue().get(this.keys.layout())).isEqualTo("shards=" + this.keys.shards());

        QueueLayoutCheck other = new QueueLayoutCheck(this.redis, new QueueKeys(this.keys.prefix(), this.keys.shards() + 1));

        assertThatIllegalStateException().isThrownBy(() -> other.run(null)).withMessageContaining("reservation.queue.shards");
    }

}
