-- wrk script: POST /m/lookup with one image as multipart field "photo" (as HMA's benchmark did).
local key = os.getenv("VIGIL_KEY")
local file = assert(io.open(os.getenv("IMAGE_FILE"), "rb"))
local image = file:read("*a")
file:close()
local boundary = "vigilbenchboundary"
wrk.method = "POST"
wrk.path = "/m/lookup"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"image.jpg\"\r\n" ..
  "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n--" .. boundary .. "--\r\n"
dofile("serve/report.lua")
done = function(summary, latency, requests) report(summary, latency) end
