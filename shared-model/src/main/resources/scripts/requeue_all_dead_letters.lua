-- requeue_all_dead_letters.lua: move every dead-letter entry of a shard back to its queue in one atomic step, at
-- the end the worker serves next, oldest dead letter first (the list is newest-first: LPUSH by dead_letter.lua).
-- Jobs keep their positions (see requeue_dead_letter.lua). Entries whose envelope cannot be read stay where they are.
--
-- KEYS[1] dead-letter list   <p>:{s<n>}:dead
-- KEYS[2] queue list         <p>:{s<n>}:queue    RPUSH here: the worker serves the tail (right) end
-- KEYS[3] pending hash       <p>:{s<n>}:pending  reservationId -> job, restored if the job names an id
--
-- Returns the number of jobs requeued.

local entries = redis.call('LRANGE', KEYS[1], 0, -1)
local moved = 0
-- newest first: each RPUSH lands nearer the served end than the one before, so the oldest is served first
for _, entry in ipairs(entries) do
  local ok, envelope = pcall(cjson.decode, entry)
  if ok and type(envelope) == 'table' and type(envelope.job) == 'string' then
    redis.call('LREM', KEYS[1], 1, entry)
    redis.call('RPUSH', KEYS[2], envelope.job)
    local decoded, job = pcall(cjson.decode, envelope.job)
    if decoded and type(job) == 'table' and type(job.id) == 'string' then
      redis.call('HSET', KEYS[3], job.id, envelope.job)
    end
    moved = moved + 1
  end
end
return moved
