package dev.fcfs.consumer.worker;

import dev.fcfs.consumer.decision.BatchDecider;
import dev.fcfs.consumer.decision.FencingTokens;
import dev.fcfs.consumer.lease.Lease;
import dev.fcfs.shared.job.JobCodec;

import org.springframework.stereotype.Component;

/** Builds the worker of a shard this consumer has just taken, with everything a worker needs. */
@Component
public class ShardWorkerFactory {

    private final JobQueue queue;

    private final BatchDecider decider;

    private final FencingTokens fencingTokens;

    private final JobCodec codec;

    private final WorkerProperties properties;

    private final WorkerMetrics metrics;

    ShardWorkerFactory(JobQueue queue, BatchDecider decider, FencingTokens fencingTokens, JobCodec codec,
            WorkerProperties properties, WorkerMetrics metrics) {
        this.queue = queue;
        this.decider = decider;
        this.fencingTokens = fencingTokens;
        this.codec = codec;
        this.properties = properties;
        this.metrics = metrics;
    }

    ShardWorker create(int shard, String owner, Lease lease) {
        return new ShardWorker(shard, owner, lease, this.queue, this.decider, this.fencingTokens, this.codec,
                this.properties, this.metrics);
    }

}
