-- Data entry: a signed-in clerk's editing page and the live check of the whole report
-- (three checks per page view, as typing does). Needs SESSION, CSRF, REPORT, BODY_FILE.
local session, csrf, report = os.getenv("SESSION"), os.getenv("CSRF"), os.getenv("REPORT")
local f = assert(io.open(os.getenv("BODY_FILE"), "rb")); local body = f:read("*a"); f:close()
local cookie = "sessionid=" .. session .. "; csrftoken=" .. csrf
local i = 0
request = function()
  i = i + 1
  if i % 4 == 0 then
    return wrk.format("GET", "/my/reports/" .. report .. "/", { Cookie = cookie })
  end
  return wrk.format("POST", "/my/reports/" .. report .. "/check/", {
    Cookie = cookie, ["X-CSRFToken"] = csrf, ["Content-Type"] = "application/json",
    ["X-Requested-With"] = "XMLHttpRequest", Referer = "http://127.0.0.1/" }, body)
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d, socket errors: %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
