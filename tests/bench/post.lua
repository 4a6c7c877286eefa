-- wrk script: POST the bytes of $BENCH_BODY (a file) with the headers Claude Code sends.
-- The same bytes go to every target; the static upstream ignores them.
local path = os.getenv("BENCH_BODY")
if path == nil then
  error("post.lua: set BENCH_BODY to the request body file")
end
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.headers["x-api-key"] = "sk-bench-client"
wrk.headers["Authorization"] = "Bearer sk-bench-client"
wrk.headers["User-Agent"] = "claude-cli/2.0.0 (external, cli)"
