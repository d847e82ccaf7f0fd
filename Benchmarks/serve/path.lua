-- wrk script: GET one path (PATH) with the API key from VIGIL_KEY.
local key = os.getenv("VIGIL_KEY")
wrk.method = "GET"
wrk.path = os.getenv("PATH_TO_GET")
wrk.headers["Authorization"] = "Bearer " .. key
dofile("serve/report.lua")
done = function(summary, latency, requests) report(summary, latency) end
