package dev.fcfs.producer.system;

import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.shared.queue.QueueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Refuses to start a producer whose shard count differs from the one the deployment runs with
 * ({@link QueueLayout}): it would queue events on shards the consumers map differently. If Redis is unreachable at
 * start-up the check is skipped with a warning, so the API can still answer from PostgreSQL; the consumers run the
 * same check before they serve any shard.
 */
@Component
class QueueLayoutCheck implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(QueueLayoutCheck.class);

    private final StringRedisTemplate redis;

    private final QueueKeys keys;

    QueueLayoutCheck(StringRedisTemplate redis, QueueKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    @Override
    public void run(ApplicationArguments args) {
        try {
            QueueLayout.verify(this.redis, this.keys);
        }
        catch (DataAccessException ex) {
            log.warn("Could not check the queue layout in Redis at start-up (" + ex.getMessage() + ")");
        }
    }

}
