-- enqueue.lua: accept a batch of reservation requests for one shard, in the order given. Each request is assigned
-- its place in line and its job queued in one atomic step, so queue order and position order can never disagree,
-- and nothing is queued for an unknown event. The requests are independent: each gets its own outcome, exactly as
-- if each had been sent as a script of its own, one after the other (a batch of one is the plain case).
--
-- KEYS[1] queue list       <p>:{s<n>}:queue             LPUSH here; the worker serves the tail
-- KEYS[2] pending hash     <p>:{s<n>}:pending           reservationId -> job until the decision is acknowledged
-- then, per request, in order:
--   event hash             <p>:{s<n>}:event:<eventId>   fields capacity, seq (last position handed out), soldOut,
--                                                       opensAt, closesAt (epoch ms; absent: no such bound)
--   idempotency slot       <p>:{s<n>}:idem:<eventId>:<userId>   only when the request carries an Idempotency-Key:
--                          '<key> <job>', the answer to the user's latest keyed request for the event. One slot per
--                          user and event, whatever the number of keys a user sends, so that keys cannot fill Redis
-- ARGV[1] idempotency slot TTL in seconds
-- ARGV[2] most jobs the shard queue may hold before new requests are refused ('' for no bound)
-- then, per request, 4 values: reservation id (canonical UUID text, as UUID.toString writes it), event id (decimal
--   digits), user id,
--   its Idempotency-Key (visible ASCII, no spaces; the request then has a slot of its own above), else ''
--
-- The checks run in this order: NO_EVENT, REPLAY (so a retry of a request accepted before the event closed still
-- gets its first answer), NOT_OPEN, CLOSED, SOLD_OUT, BUSY. The window is judged by Redis's clock, read once per
-- run: every producer judges by the same clock, whatever its own says.
--
-- Returns 3 values per request, in order:
--   'ACCEPTED', position, acceptedAt   queued; the job (JSON, see JobCodec) carries both values
--   'REPLAY', job, ''                  the user's slot holds the answer to this same key: the job first accepted
--                                      under it; nothing queued
--   'NO_EVENT', '', ''                 the event hash does not exist: the event is unknown to Redis; nothing queued
--   'NOT_OPEN', opensAt, now           the Redis time (epoch ms) is before the event's opensAt; nothing queued
--   'CLOSED', closesAt, now            the Redis time is at or after the event's closesAt; nothing queued
--   'SOLD_OUT', '', ''                 the worker has committed the last seat (field soldOut): nobody can win
--   'BUSY', '', ''                     the shard queue holds ARGV[2] jobs or more: backpressure; nothing queued

local queue, pending = KEYS[1], KEYS[2]
local ttl = ARGV[1]
local maxDepth = tonumber(ARGV[2])

local now = redis.call('TIME')
local acceptedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local nowMillis = tonumber(acceptedAt)
local depth = maxDepth and redis.call('LLEN', queue)

-- What the batch needs to know of an event is read once per batch: nothing else runs while this script does, and
-- the script itself only changes 'seq'.
local events = {}
local function event_state(event)
  local state = events[event]
  if not state then
    state = { exists = redis.call('EXISTS', event) == 1 }
    if state.exists then
      local fields = redis.call('HMGET', event, 'soldOut', 'opensAt', 'closesAt')
      -- set by mark_sold_out.lua only after the last seat is committed, so no request that could still win is
      -- refused
      state.soldOut = fields[1] == '1'
      state.opensAt = fields[2] and tonumber(fields[2])
      state.closesAt = fields[3] and tonumber(fields[3])
    end
    events[event] = state
  end
  return state
end

-- The accepted jobs are pushed with one LPUSH and one HSET per batch (in chunks: Lua's unpack has a limit). LPUSH
-- of several values pushes them in order, so the batch's first job ends up nearest the tail, where the worker
-- serves: exactly as one LPUSH per job.
local jobs, pendingEntries = {}, {}
local function push_all()
  for from = 1, #jobs, 1000 do
    redis.call('LPUSH', queue, unpack(jobs, from, math.min(#jobs, from + 999)))
  end
  for from = 1, #pendingEntries, 1000 do
    redis.call('HSET', pending, unpack(pendingEntries, from, math.min(#pendingEntries, from + 999)))
  end
end

local reply = {}
local function answer(status, first, second)
  reply[#reply + 1] = status
  reply[#reply + 1] = first
  reply[#reply + 1] = second
end

local key = 3
for arg = 3, #ARGV, 4 do
  local id, eventId, userId = ARGV[arg], ARGV[arg + 1], ARGV[arg + 2]
  local event = KEYS[key]
  local idempotencyKey = ARGV[arg + 3]
  local idempotency = nil
  if idempotencyKey ~= '' then
    idempotency = KEYS[key + 1]
    key = key + 2
  else
    key = key + 1
  end

  local state = event_state(event)
  local previous = nil
  if idempotency and state.exists then
    local slot = redis.call('GET', idempotency)
    -- a slot that holds another key's answer is no replay: the request is new, and its answer replaces that one
    if slot and string.sub(slot, 1, #idempotencyKey + 1) == idempotencyKey .. ' ' then
      previous = string.sub(slot, #idempotencyKey + 2)
    end
  end
  if not state.exists then
    answer('NO_EVENT', '', '')
  elseif previous then
    answer('REPLAY', previous, '')
  elseif state.opensAt and nowMillis < state.opensAt then
    answer('NOT_OPEN', string.format('%d', state.opensAt), acceptedAt)
  elseif state.closesAt and nowMillis >= state.closesAt then
    answer('CLOSED', string.format('%d', state.closesAt), acceptedAt)
  elseif state.soldOut then
    answer('SOLD_OUT', '', '')
  elseif depth and depth >= maxDepth then
    answer('BUSY', '', '')
  else
    local position = string.format('%d', redis.call('HINCRBY', event, 'seq', 1))
    local job = '{"v":1,"id":"' .. id
      .. '","event":' .. eventId
      .. ',"user":' .. cjson.encode(userId)
      .. ',"pos":' .. position
      .. ',"at":' .. acceptedAt .. '}'
    jobs[#jobs + 1] = job
    pendingEntries[#pendingEntries + 1] = id
    pendingEntries[#pendingEntries + 1] = job
    if idempotency then
      -- now, not with the others: a later request of this batch with the same key must find it
      redis.call('SET', idempotency, idempotencyKey .. ' ' .. job, 'EX', ttl)
    end
    if depth then
      depth = depth + 1
    end
    answer('ACCEPTED', position, acceptedAt)
  end
end
push_all()
return reply
