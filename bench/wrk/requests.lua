-- wrk script for bench/: cycles through the requests listed in $BENCH_REQUESTS
-- (one per line: METHOD<TAB>PATH<TAB>BEARER TOKEN or -<TAB>JSON BODY or -), counts
-- non-2xx answers, and prints one "BENCH_RESULT {json}" line when done. Every request says it came over
-- https, as the ingress in front of production does (X-Forwarded-Proto), so the https redirect stays on.

local requests = {}
local index = 0
local non2xx = 0
local threads = {}

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  for line in io.lines(path) do
    if line ~= "" then
      local f = split(line)
      local headers = { ["Accept"] = "application/json", ["X-Forwarded-Proto"] = "https" }
      local body = nil
      if f[3] ~= "-" then
        headers["Authorization"] = "Bearer " .. f[3]
      end
      if f[4] ~= nil and f[4] ~= "-" then
        body = f[4]
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, wrk.format(f[1], f[2], headers, body))
    end
  end
  if #requests == 0 then
    error("no requests in " .. tostring(path))
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total_non2xx = 0
  for _, thread in ipairs(threads) do
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, total_non2xx
  ))
end
