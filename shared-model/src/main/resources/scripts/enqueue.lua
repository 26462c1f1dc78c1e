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
--   idempotency key        <p>:{s<n>}:idem:<eventId>:<key>   only when the request carries one
-- ARGV[1] idempotency TTL in seconds
-- ARGV[2] most jobs the shard queue may hold before new requests are refused ('' for no bound)
-- then, per request, 4 values: reservation id (canonical UUID text, as UUID.toString writes it), event id (decimal
--   digits), user id,
--   '1' if the request carries an idempotency key (and so has a key of its own above), else '0'
--
-- The checks run in this order: NO_EVENT, REPLAY (so a retry of a request accepted before the event closed still
-- gets its first answer), NOT_OPEN, CLOSED, SOLD_OUT, BUSY. The window is judged by Redis's clock, read once per
-- run: every producer judges by the same clock, whatever its own says.
--
-- Returns 3 values per request, in order:
--   'ACCEPTED', position, acceptedAt   queued; the job (JSON, see JobCodec) carries both values
--   'REPLAY', job, ''                  its idempotency key already held an answer: the job first accepted under
--                                      that key; nothing queued
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
  local idempotency = nil
  if ARGV[arg + 3] == '1' then
    idempotency = KEYS[key + 1]
    key = key + 2
  else
    key = key + 1
  end

  local state = event_state(event)
  local previous = idempotency and state.exists and redis.call('GET', idempotency)
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
      redis.call('SET', idempotency, job, 'EX', ttl)
    end
    if depth then
      depth = depth + 1
    end
    answer('ACCEPTED', position, acceptedAt)
  end
end
push_all()
return reply
