package dev.fcfs.consumer.decision;

/**
 * The shard's fencing token has moved on: another consumer took the shard, so this one must not decide anything
 * more for it. The transaction that found out is rolled back.
 */
public class LeaseLostException extends RuntimeException {

    public LeaseLostException(int shard, long token) {
        super("shard " + shard + " was taken over: fencing token " + token + " is no longer current");
    }

}
