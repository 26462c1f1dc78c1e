-- dead_letter.lua: move a job that can never be decided (undecodable, for an event PostgreSQL does not know,
-- or refused by PostgreSQL with a data error) from the processing list to the dead-letter list, with the reason,
-- so it neither blocks the shard nor disappears. The shard has moved past it, so its progress time moves to now.
-- Safe to repeat: a job no longer in the processing list is not dead-lettered twice.
--
-- KEYS[1] processing list    <p>:{s<n>}:processing
-- KEYS[2] dead-letter list   <p>:{s<n>}:dead
-- KEYS[3] progress string    <p>:{s<n>}:progress   set to Redis TIME in epoch ms
-- ARGV[1] raw job as taken
-- ARGV[2] reason (free text)
--
-- Returns 1 if the job was moved, 0 if it was no longer in the processing list.

if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then
  return 0
end
local now = redis.call('TIME')
local entry = cjson.encode({ job = ARGV[1], reason = ARGV[2], at = tonumber(now[1]) })
redis.call('LPUSH', KEYS[2], entry)
redis.call('SET', KEYS[3], now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)))
return 1
