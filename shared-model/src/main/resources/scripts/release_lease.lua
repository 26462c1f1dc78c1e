-- release_lease.lua: give a shard lease up, only if the caller still owns it, so another consumer can take
-- the shard at once instead of waiting for the TTL.
--
-- KEYS[1] lease key   <p>:{s<n>}:lease
-- ARGV[1] owner id
--
-- Returns 1 if released, 0 if the lease was not the caller's.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
