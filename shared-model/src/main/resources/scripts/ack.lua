-- ack.lua: acknowledge jobs whose decisions are committed in PostgreSQL: they leave the processing list and
-- the pending hash together. Safe to repeat: a job that is already gone is skipped.
--
-- KEYS[1] processing list   <p>:{s<n>}:processing
-- KEYS[2] pending hash      <p>:{s<n>}:pending
-- ARGV    pairs: ARGV[2i-1] raw job as taken, ARGV[2i] its reservation id
--
-- Returns the number of jobs removed from the processing list.

local removed = 0
for i = 1, #ARGV, 2 do
  -- count -1: search from the tail, where the oldest jobs (the ones just decided) sit
  removed = removed + redis.call('LREM', KEYS[1], -1, ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i + 1])
end
return removed
