-- Cycle through the paths of the file named by $PATHS (one a line); with no $PATHS, the URL
-- given to wrk. Prints one machine-readable line at the end (see scripts/loadtest.sh).
local paths = {}
local file = os.getenv("PATHS")
if file and #file > 0 then
  for line in io.lines(file) do
    if #line > 0 then paths[#paths + 1] = line end
  end
end
local i = 0
local counter = 0
setup = function(thread)
  -- Each thread (wrk -t2) starts half the list further: no thread asks for a path the other
  -- has asked for until the whole list has been asked for once.
  thread:set("offset", counter * math.floor(#paths / 2))
  counter = counter + 1
end
request = function()
  if #paths == 0 then return wrk.format("GET") end
  i = i + 1
  return wrk.format("GET", paths[((i + (offset or 0)) % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
