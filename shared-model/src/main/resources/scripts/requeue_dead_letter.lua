-- requeue_dead_letter.lua: move ONE dead-letter entry's job back to its shard queue, at the end the worker serves
-- next, so it is decided again. The entry is named by the SHA-1 of its exact content (as listed by
-- GET /admin/dead-letters), so an entry that changed or vanished meanwhile (requeued or discarded by someone else,
-- or the list rewritten) is never mistaken for another: the script then does nothing.
-- The job keeps its position: the worker dead-letters again a job whose position is not after the event's last
-- decided position, so this is for jobs that failed for other reasons (e.g. their event was created later).
--
-- KEYS[1] dead-letter list   <p>:{s<n>}:dead     entries {"job": "<raw job>", "reason": "...", "at": <epoch s>}
-- KEYS[2] queue list         <p>:{s<n>}:queue    RPUSH here: the worker serves the tail (right) end
-- KEYS[3] pending hash       <p>:{s<n>}:pending  reservationId -> job, restored if the job names an id
-- ARGV[1] entry id: lower-case SHA-1 hex of the dead-letter entry
--
-- Returns the raw job that was requeued, or nil (false) if no entry has that id.

for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if redis.sha1hex(entry) == ARGV[1] then
    local ok, envelope = pcall(cjson.decode, entry)
    if not ok or type(envelope) ~= 'table' or type(envelope.job) ~= 'string' then
      return false
    end
    redis.call('LREM', KEYS[1], 1, entry)
    redis.call('RPUSH', KEYS[2], envelope.job)
    local decoded, job = pcall(cjson.decode, envelope.job)
    if decoded and type(job) == 'table' and type(job.id) == 'string' then
      redis.call('HSET', KEYS[3], job.id, envelope.job)
    end
    return envelope.job
  end
end
return false
