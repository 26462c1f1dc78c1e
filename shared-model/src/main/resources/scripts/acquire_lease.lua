-- acquire_lease.lua: take a shard's lease if it is free, or extend it if the caller holds it already (after a
-- Redis hiccup the caller cannot tell whether it still does).
--
-- KEYS[1] lease key   <p>:{s<n>}:lease
-- ARGV[1] owner id
-- ARGV[2] time to live in milliseconds
--
-- Returns 1 if the caller holds the lease now, 0 if another consumer does.
--
-- Redis at maxmemory (noeviction) refuses a script's first write if that command may grow memory (SET may), but
-- never stops a script that has already written. A consumer must be able to take a shard precisely when Redis is
-- full, because deciding the queued jobs is what frees memory, and a lease is a few dozen bytes: so a free lease is
-- first deleted (it does not exist: a write that changes nothing and that Redis always allows), then set.

local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
