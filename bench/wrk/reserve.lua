-- wrk script: POST {"userId":"<distinct>"} to the path in env BENCH_PATH (e.g. /events/1/reservations).
-- Every request carries a userId no other request of the run uses (thread number + counter), so that the
-- accept path never meets an idempotent replay. With BENCH_STOP_AFTER=N the run stops once about N requests
-- are answered (each of the T threads stops after ceil(N/T) answers); otherwise it runs for wrk's -d.
-- done() prints one line "BENCH key=value ..." that bench/run.sh parses; latencies in microseconds.

local path = os.getenv("BENCH_PATH") or "/bench/noop/events/1/reservations"
local tag = os.getenv("BENCH_TAG") or "w"
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0")
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
-- With BENCH_DELAY_MS=D each connection waits D ms before each request: C connections then send about
-- C * 1000 / (D + latency) requests/s, a fixed rate as long as latency stays well under D.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  answered = 0
  limit = 0
  if stop_after > 0 then
    limit = math.ceil(stop_after / thread_count)
  end
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  local body = '{"userId":"' .. tag .. '-' .. thread_id .. '-' .. counter .. '"}'
  return wrk.format("POST", path, headers, body)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

if stop_after > 0 then
  function response(status, headers, body)
    answered = answered + 1
    if answered >= limit then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.0f p50_us=%d p99_us=%d p999_us=%d max_us=%d non2xx=%d "
    .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout))
end
