package dev.fcfs.producer.dashboard;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What {@code GET /dashboard/data} returns: the latest sample and the throughput history. No user ids.
 *
 * @param sampledAt when the latest sample was taken; null before the first one
 * @param stale true when the latest attempt to sample failed (Redis or PostgreSQL unreachable): the rest is older
 * @param events the newest events that have opened, newest first
 * @param shards each shard's lists and owner
 * @param totals the shards' lists summed
 * @param consumers consumers in the heartbeat set and the shards each owns
 * @param throughput one point per sample, oldest first
 */
record DashboardData(@Nullable Instant sampledAt, boolean stale, List<EventRow> events, List<ShardRow> shards,
        Totals totals, List<ConsumerRow> consumers, List<ThroughputPoint> throughput) {

    static DashboardData empty() {
        return new DashboardData(null, false, List.of(), List.of(), new Totals(0, 0, 0), List.of(), List.of());
    }

    DashboardData withThroughput(boolean stale, List<ThroughputPoint> history) {
        return new DashboardData(this.sampledAt, stale, this.events, this.shards, this.totals, this.consumers, history);
    }

    /**
     * @param id event id
     * @param name its name
     * @param capacity seats
     * @param reserved confirmed seats (committed)
     * @param remaining {@code capacity - reserved}
     * @param soldOutAt when the last seat was committed; null while seats remain
     * @param accepted positions handed out (the event's {@code seq} in Redis; null if Redis does not know it)
     * @param decided highest position decided ({@code events.last_position})
     * @param opensAt when reservations opened; null: at creation
     * @param closesAt when reservations close; null: never
     */
    record EventRow(long id, String name, int capacity, int reserved, int remaining, @Nullable Instant soldOutAt,
            @Nullable Long accepted, long decided, @Nullable Instant opensAt, @Nullable Instant closesAt) {
    }

    /**
     * @param shard the shard
     * @param pending jobs waiting ({@code LLEN queue})
     * @param processing jobs taken, not yet acknowledged ({@code LLEN processing})
     * @param dead dead letters ({@code LLEN dead})
     * @param owner consumer id holding the shard's lease; null if none
     * @param lastProgressAt when a job of the shard was last acknowledged or dead-lettered ({@code ack.lua},
     * {@code dead_letter.lua}); null if never
     * @param waitingSince when the oldest job still waiting (processing, else queue) was accepted; null if none waits
     * @param stuck whether both are older than {@code reservation.dashboard.stuck-after}: jobs wait, none moves
     */
    record ShardRow(int shard, long pending, long processing, long dead, @Nullable String owner,
            @Nullable Instant lastProgressAt, @Nullable Instant waitingSince, boolean stuck) {
    }

    /**
     * @param pending all shards' waiting jobs
     * @param processing all shards' jobs in processing
     * @param dead all shards' dead letters
     */
    record Totals(long pending, long processing, long dead) {
    }

    /**
     * @param id consumer id (host-pid-random)
     * @param heartbeatDeadline when it counts as gone unless it beats again
     * @param alive whether the deadline is still ahead
     * @param shards shards whose lease it holds
     */
    record ConsumerRow(String id, Instant heartbeatDeadline, boolean alive, List<Integer> shards) {
    }

    /**
     * @param at sample time
     * @param acceptedPerSecond positions handed out per second (sum over the shown events of their {@code seq} growth)
     * @param decidedPerSecond positions decided per second (sum of their {@code last_position} growth)
     */
    record ThroughputPoint(Instant at, double acceptedPerSecond, double decidedPerSecond) {
    }

}
