-- renew_lease.lua: extend a shard lease, only if the caller still owns it.
--
-- KEYS[1] lease key   <p>:{s<n>}:lease
-- ARGV[1] owner id
-- ARGV[2] time to live in milliseconds
--
-- Returns 1 if renewed, 0 if the lease is gone or belongs to someone else.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
