-- register_event.lua: make an event known to the accept path, unless it already is.
-- Called when an event is created, and again when Redis has lost the event (a restart without persistence):
-- the position counter then resumes after the last position PostgreSQL has decided, so positions stay unique.
--
-- If only the event hash was lost (a manual DEL) while jobs of the event are still pending, the counter also
-- resumes after the highest pending position: that scan of the pending hash runs only on this rare path.
--
-- KEYS[1] event hash     <p>:{s<n>}:event:<eventId>
-- KEYS[2] pending hash   <p>:{s<n>}:pending   (optional)
-- ARGV[1] capacity
-- ARGV[2] last position PostgreSQL has decided (0 for a new event)
-- ARGV[3] '1' if PostgreSQL says the event is sold out (optional)
-- ARGV[4] event id (needed with KEYS[2])
--
-- Returns 1 if the event was registered now, 0 if it was already there (left untouched).

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local seq = tonumber(ARGV[2])
if KEYS[2] then
  local eventId = tonumber(ARGV[4])
  for _, raw in ipairs(redis.call('HVALS', KEYS[2])) do
    local ok, job = pcall(cjson.decode, raw)
    if ok and type(job) == 'table' and job.event == eventId and type(job.pos) == 'number' and job.pos > seq then
      seq = job.pos
    end
  end
end
redis.call('HSET', KEYS[1], 'capacity', ARGV[1], 'seq', string.format('%d', seq))
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'soldOut', '1')
end
return 1
