-- register_event.lua: make an event known to the accept path, unless it already is.
-- Called when an event is created, and again when Redis has lost the event (a restart without persistence):
-- the position counter then resumes after the last position PostgreSQL has decided, so positions stay unique.
--
-- KEYS[1] event hash   <p>:{s<n>}:event:<eventId>
-- ARGV[1] capacity
-- ARGV[2] last position already handed out (0 for a new event)
-- ARGV[3] '1' if PostgreSQL says the event is sold out (optional)
--
-- Returns 1 if the event was registered now, 0 if it was already there (left untouched).

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'capacity', ARGV[1], 'seq', ARGV[2])
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'soldOut', '1')
end
return 1
