package dev.fcfs.consumer.worker;

import dev.fcfs.consumer.decision.BatchDecider;
import dev.fcfs.consumer.decision.FencingTokens;
import dev.fcfs.consumer.lease.Lease;
import dev.fcfs.shared.job.JobCodec;

import org.springframework.stereotype.Component;

/**
 * Everything a shard's worker needs, and the way to build one for a shard this consumer has just taken.
 */
@Component
public record ShardWorkerFactory(JobQueue queue, BatchDecider decider, FencingTokens fencingTokens, JobCodec codec,
        WorkerProperties properties, WorkerMetrics metrics) {

    ShardWorker create(int shard, String owner, Lease lease) {
        return new ShardWorker(shard, owner, lease, this);
    }

}
