-- mark_sold_out.lua: tell the accept path that an event has no seat left, so new requests are answered
-- 409 at the door instead of being queued. Called by the worker only after the transaction that gave away the
-- last seat has committed. Touches only a registered event: creating a partial hash here would restart the
-- position counter.
--
-- KEYS[1] event hash   <p>:{s<n>}:event:<eventId>
--
-- Returns 1 if the flag is set now, 0 if the event is not registered in Redis.

if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'soldOut', '1')
return 1
