-- enqueue.lua: accept one reservation request. Assigns its place in line and queues the job in one atomic
-- step, so queue order and position order can never disagree, and nothing is queued for an unknown event.
--
-- KEYS[1] event hash       <p>:{s<n>}:event:<eventId>   fields capacity, seq (last position handed out), soldOut
-- KEYS[2] queue list       <p>:{s<n>}:queue             LPUSH here; the worker serves the tail
-- KEYS[3] pending hash     <p>:{s<n>}:pending           reservationId -> job until the decision is acknowledged
-- KEYS[4] idempotency key  <p>:{s<n>}:idem:<eventId>:<key>   optional: only when the request carried one
-- ARGV[1] reservation id (UUID text)
-- ARGV[2] event id (decimal digits)
-- ARGV[3] user id
-- ARGV[4] idempotency TTL in seconds (only read with KEYS[4])
-- ARGV[5] most jobs the shard queue may hold before new requests are refused (optional: no bound)
--
-- Returns one of
--   {'ACCEPTED', job}   the job as queued (JSON, see JobCodec), which carries the position and accept time
--   {'REPLAY', job}     KEYS[4] already held an answer: the job first accepted under that key; nothing queued
--   {'NO_EVENT'}        KEYS[1] does not exist: the event is unknown to Redis; nothing queued
--   {'SOLD_OUT'}        the worker has committed the last seat (field soldOut): nobody can win any more
--   {'BUSY'}            the shard queue holds ARGV[5] jobs or more: backpressure; nothing queued

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'NO_EVENT'}
end

if KEYS[4] then
  local previous = redis.call('GET', KEYS[4])
  if previous then
    return {'REPLAY', previous}
  end
end

-- set by mark_sold_out.lua only after the last seat is committed, so no request that could still win is refused
if redis.call('HGET', KEYS[1], 'soldOut') == '1' then
  return {'SOLD_OUT'}
end

if ARGV[5] and redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  return {'BUSY'}
end

local position = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local now = redis.call('TIME')
local acceptedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))

local job = '{"v":1,"id":' .. cjson.encode(ARGV[1])
  .. ',"event":' .. ARGV[2]
  .. ',"user":' .. cjson.encode(ARGV[3])
  .. ',"pos":' .. string.format('%d', position)
  .. ',"at":' .. acceptedAt .. '}'

redis.call('LPUSH', KEYS[2], job)
redis.call('HSET', KEYS[3], ARGV[1], job)
if KEYS[4] then
  redis.call('SET', KEYS[4], job, 'EX', ARGV[4])
end
return {'ACCEPTED', job}
