-- shard_backlog.lua: the first step of restoring an event Redis does not know (see register_event.lua): how many
-- jobs of the event's shard are accepted but not acknowledged, counted without reading them (O(1)).
--
-- Every position of the event that was handed out but is not decided yet is above the last position PostgreSQL
-- has decided (the worker decides a shard strictly in queue order), and its job is either still in the pending hash
-- or the dead-letter list (if they survived), or in the one batch the shard's worker holds in memory. So the count
-- returned here plus QueueLimits.MAX_BATCH_SIZE, added to PostgreSQL's last decided position read AFTER this count,
-- is at or above every such position. Read after, because the worker may decide and acknowledge jobs meanwhile:
-- a job that leaves the count is then in PostgreSQL's last position instead. Both lists are counted in one step so
-- that a job moving between them (requeue of a dead letter) is never missed.
--
-- KEYS[1] event hash         <p>:{s<n>}:event:<eventId>
-- KEYS[2] pending hash       <p>:{s<n>}:pending
-- KEYS[3] dead-letter list   <p>:{s<n>}:dead
--
-- Returns -1 if the event is registered (nothing to restore), else HLEN pending + LLEN dead. While the event hash
-- does not exist no job of the event can be accepted, so the count of the event's jobs cannot grow until it is
-- registered again.

if redis.call('EXISTS', KEYS[1]) == 1 then
  return -1
end
return redis.call('HLEN', KEYS[2]) + redis.call('LLEN', KEYS[3])
