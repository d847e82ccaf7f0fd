-- wrk script: GET /status/live, the cheapest route (no key, no index): the HTTP floor.
wrk.method = "GET"
wrk.path = "/status/live"
dofile("serve/report.lua")
done = function(summary, latency, requests) report(summary, latency) end
