-- discard_dead_letter.lua: drop ONE dead-letter entry for good, named by the SHA-1 of its exact content (as for
-- requeue_dead_letter.lua). Its job also leaves the pending hash, if the pending entry is that very job, so that
-- GET /reservations/{id} stops answering PENDING for a request that will never be decided.
--
-- KEYS[1] dead-letter list   <p>:{s<n>}:dead
-- KEYS[2] pending hash       <p>:{s<n>}:pending
-- ARGV[1] entry id: lower-case SHA-1 hex of the dead-letter entry
--
-- Returns the discarded entry, or nil (false) if no entry has that id.

for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if redis.sha1hex(entry) == ARGV[1] then
    redis.call('LREM', KEYS[1], 1, entry)
    local ok, envelope = pcall(cjson.decode, entry)
    if ok and type(envelope) == 'table' and type(envelope.job) == 'string' then
      local decoded, job = pcall(cjson.decode, envelope.job)
      if decoded and type(job) == 'table' and type(job.id) == 'string'
          and redis.call('HGET', KEYS[2], job.id) == envelope.job then
        redis.call('HDEL', KEYS[2], job.id)
      end
    end
    return entry
  end
end
return false
