-- bench/verify.lua: wrk's request for bench/run_serve.sh: POST /v1/verify
-- of one address whose domain the server has in its cache.  BODY and KEY
-- come from the environment (KEY empty: no Authorization header).
wrk.method = "POST"
wrk.body = os.getenv("BODY") or '{"email":"maria.garcia@northwind-traders.com"}'
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("KEY") or ""
if key ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. key
end
