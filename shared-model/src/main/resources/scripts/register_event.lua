-- register_event.lua: make an event known to the accept path, unless it already is. O(1): touches only the
-- event hash, whatever the shard holds, so creating an event during a drop costs Redis nothing noticeable.
--
-- Called with seq 0 when an event is created (nothing of it can be decided or pending yet), and again when Redis
-- does not know an event PostgreSQL knows (Redis lost its data, or the hash was deleted). The caller then passes
-- a counter above every position that may still be in use (see shard_backlog.lua and EventRegistration):
-- positions handed out after such a restore continue from there, leaving a gap in the event's positions. That is
-- intended: the service promises the order of positions, not that they are consecutive.
--
-- KEYS[1] event hash     <p>:{s<n>}:event:<eventId>
-- ARGV[1] capacity
-- ARGV[2] seq: the last position counted as handed out; the next request gets seq + 1
-- ARGV[3] '1' if PostgreSQL says the event is sold out (optional)
-- ARGV[4] opensAt: epoch milliseconds from which requests are accepted ('' or absent: at once)
-- ARGV[5] closesAt: epoch milliseconds from which requests are refused ('' or absent: never)
--
-- Returns 1 if the event was registered now, 0 if it was already there (left untouched).

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'capacity', ARGV[1], 'seq', ARGV[2])
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'soldOut', '1')
end
if ARGV[4] and ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'opensAt', ARGV[4])
end
if ARGV[5] and ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'closesAt', ARGV[5])
end
return 1
