-- update_window.lua: change the sale window of an event that has not opened yet. Whether it has opened is judged
-- by Redis's clock, the same clock enqueue.lua judges requests by, in the same atomic step as the change: so no
-- request can have been accepted under the old window and a window is never moved once it has let anyone in.
--
-- KEYS[1] event hash   <p>:{s<n>}:event:<eventId>
-- ARGV[1] new opensAt: epoch milliseconds ('' for none: open at once)
-- ARGV[2] new closesAt: epoch milliseconds ('' for none: never closes)
--
-- Returns, as { status, opensAt, now }: status 'UPDATED'; 'ALREADY_OPEN' if the event has no opensAt or it has
-- passed (nothing changed); 'NO_EVENT' if the event hash does not exist (nothing changed: creating a partial hash
-- would restart the position counter). opensAt is the window's opening before the call ('' if none), now the
-- Redis time, both in epoch milliseconds.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nowText = string.format('%d', now)
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 'NO_EVENT', '', nowText }
end
local opensAt = redis.call('HGET', KEYS[1], 'opensAt')
if not opensAt or now >= tonumber(opensAt) then
  return { 'ALREADY_OPEN', opensAt or '', nowText }
end
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'opensAt', ARGV[1])
else
  redis.call('HDEL', KEYS[1], 'opensAt')
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'closesAt', ARGV[2])
else
  redis.call('HDEL', KEYS[1], 'closesAt')
end
return { 'UPDATED', opensAt, nowText }
