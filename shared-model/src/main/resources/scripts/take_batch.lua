-- take_batch.lua: hand the shard's owner its next batch, oldest job first.
-- Tops the processing list up to ARGV[1] entries from the tail of the queue (the same move BRPOPLPUSH
-- makes), then returns the oldest ARGV[1] entries of the processing list. Reading the batch back
-- from the processing list, rather than returning only what was moved, means jobs left there by an earlier
-- owner (a crash, a lost lease) are always decided first and in their original order.
--
-- KEYS[1] queue list        <p>:{s<n>}:queue
-- KEYS[2] processing list   <p>:{s<n>}:processing
-- ARGV[1] batch size (>= 1)
--
-- Returns the batch as a list of raw jobs, oldest first (empty when both lists are empty).
--
-- Each job moves by RPOP then LPUSH rather than RPOPLPUSH: Redis at maxmemory (noeviction) refuses a script's
-- first write if that command may grow memory (RPOPLPUSH and LPUSH may), but never stops a script that has already
-- written, and RPOP only frees memory. So the worker can still take jobs when Redis is full, and by deciding them
-- frees the memory the producers are waiting for. The move stays atomic: it is one script.

local size = tonumber(ARGV[1])
local missing = size - redis.call('LLEN', KEYS[2])
for _ = 1, missing do
  local job = redis.call('RPOP', KEYS[1])
  if not job then
    break
  end
  redis.call('LPUSH', KEYS[2], job)
end

local newestFirst = redis.call('LRANGE', KEYS[2], -size, -1)
local batch = {}
for i = #newestFirst, 1, -1 do
  batch[#batch + 1] = newestFirst[i]
end
return batch
