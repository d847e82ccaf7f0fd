-- wrk script: GET /m/lookup for each path in paths.txt in turn, with the API key from VIGIL_KEY.
local paths = {}
local key = os.getenv("VIGIL_KEY")
for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Authorization"] = "Bearer " .. key })
end
dofile("serve/report.lua")
done = function(summary, latency, requests) report(summary, latency) end
