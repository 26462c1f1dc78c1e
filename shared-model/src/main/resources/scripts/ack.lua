-- ack.lua: acknowledge jobs whose decisions are committed in PostgreSQL: they leave the processing list and
-- the pending hash together, and the shard's progress time moves to now. Safe to repeat: a job that is already
-- gone is skipped.
--
-- KEYS[1] processing list   <p>:{s<n>}:processing
-- KEYS[2] pending hash      <p>:{s<n>}:pending
-- KEYS[3] progress string   <p>:{s<n>}:progress   set to Redis TIME in epoch ms when a job was removed
-- ARGV    pairs: ARGV[2i-1] raw job as taken, ARGV[2i] its reservation id
--
-- Returns the number of jobs removed from the processing list.

local removed = 0
for i = 1, #ARGV, 2 do
  -- count -1: search from the tail, where the oldest jobs (the ones just decided) sit
  removed = removed + redis.call('LREM', KEYS[1], -1, ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i + 1])
end
-- Only after a removal: at maxmemory (noeviction) Redis refuses SET as a script's first write, but not once the
-- script has written, so the acknowledgement that frees memory is never refused because of this stamp.
if removed > 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[3], now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)))
end
return removed
