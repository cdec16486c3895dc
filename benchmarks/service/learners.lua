-- wrk script for benchmarks/service/run.sh: GET a learner's recommendations, cycling through the
-- ids in $LEARNERS (one per line); prints one JSON line "RESULT {...}" at the end.
local ids = {}
for line in io.lines(os.getenv("LEARNERS")) do ids[#ids + 1] = line end
local i = 0
local query = os.getenv("QUERY") or "k=10&now=2026-01-01"
local auth = os.getenv("TOKEN")

request = function()
  i = i % #ids + 1
  local headers = {}
  if auth then headers["Authorization"] = "Bearer " .. auth end
  return wrk.format("GET", "/v1/learners/" .. ids[i] .. "/recommendations?" .. query, headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_s": %.3f, "rps": %.1f, "non2xx": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
