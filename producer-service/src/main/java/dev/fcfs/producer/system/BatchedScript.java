package dev.fcfs.producer.system;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * A script that {@link BatchingScriptRunner} may run once for many concurrent calls: how calls are grouped (calls of
 * one group share a hash slot, so one invocation may name all their keys) and how one invocation is built and its
 * reply split back into one outcome per call.
 *
 * @param <C> one caller's call
 * @param <O> the outcome of one call
 */
public interface BatchedScript<C, O> {

    RedisScript<?> script();

    /** Calls of one group may share an invocation; calls of different groups never do. */
    int groupOf(C call);

    /** One invocation for these calls, all of one group, in the order they arrived. */
    Invocation<O> invocation(List<C> calls);

    /**
     * The keys and arguments of one invocation, and the reading of its reply.
     *
     * @param <O> the outcome of one call
     */
    interface Invocation<O> {

        String[] keys();

        String[] args();

        /** One outcome per call, in the order of the calls. */
        List<O> outcomes(List<?> reply);

    }

}
