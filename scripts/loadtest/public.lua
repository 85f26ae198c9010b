-- Public pages: the listing (a few filters) and the pages it links to.
local paths = { "/", "/?year=2024", "/?q=%E6%B0%91%E6%94%BF", "/?page=1" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d, socket errors: %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
