-- take_batch.lua: hand the shard's owner its next batch, oldest job first.
-- Tops the processing list up to ARGV[1] entries from the tail of the queue (RPOPLPUSH, the same move
-- BRPOPLPUSH makes), then returns the oldest ARGV[1] entries of the processing list. Reading the batch back
-- from the processing list, rather than returning only what was moved, means jobs left there by an earlier
-- owner (a crash, a lost lease) are always decided first and in their original order.
--
-- KEYS[1] queue list        <p>:{s<n>}:queue
-- KEYS[2] processing list   <p>:{s<n>}:processing
-- ARGV[1] batch size (>= 1)
--
-- Returns the batch as a list of raw jobs, oldest first (empty when both lists are empty).

local size = tonumber(ARGV[1])
local missing = size - redis.call('LLEN', KEYS[2])
for _ = 1, missing do
  if not redis.call('RPOPLPUSH', KEYS[1], KEYS[2]) then
    break
  end
end

local newestFirst = redis.call('LRANGE', KEYS[2], -size, -1)
local batch = {}
for i = #newestFirst, 1, -1 do
  batch[#batch + 1] = newestFirst[i]
end
return batch
