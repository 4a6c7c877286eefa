-- wrk script: POST the bytes of $BENCH_BODY (a file) with the headers Claude Code sends.
-- The same bytes go to every target; the static upstream ignores them.
-- With $BENCH_PACE_MS set, each connection waits a random 0.5x to 1.5x of that many
-- milliseconds after an answer before it sends its next request: a fixed offered load instead
-- of saturation (wrk starts a request's clock when it sends it, so the pause is not latency).
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

-- With $BENCH_SESSION set, every request carries it as Claude Code's session id.
local session = os.getenv("BENCH_SESSION")
if session ~= nil and session ~= "" then
  wrk.headers["x-claude-code-session-id"] = session
end

local pace = tonumber(os.getenv("BENCH_PACE_MS") or "")
if pace ~= nil then
  local low, high = math.floor(pace / 2), math.ceil(pace * 3 / 2)
  function delay()
    return math.random(low, high)
  end
end
