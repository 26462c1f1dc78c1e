-- heartbeat.lua: record that a consumer is alive until a deadline, forget the consumers whose deadline has
-- passed, and count the live ones, by which each consumer works out its share of the shards.
--
-- KEYS[1] live-consumer set   <p>:consumers   (sorted set: consumer id -> deadline in epoch ms)
-- ARGV[1] consumer id
-- ARGV[2] its new deadline (epoch ms)
-- ARGV[3] now (epoch ms): members whose deadline is at or before it are removed
--
-- Returns the number of live consumers, the caller included.
--
-- The lapsed members are removed before the caller is added: Redis at maxmemory (noeviction) refuses a script's
-- first write if that command may grow memory (ZADD may), but never stops a script that has already written, and
-- ZREMRANGEBYSCORE only frees memory. A consumer keeps its heartbeat, and so its shards, when Redis is full, which
-- is when the queues most need draining.

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return redis.call('ZCARD', KEYS[1])
