-- wrk: logins of returning users. Each thread logs in its own 256 users, in
-- turn, each request with a fresh single-use code (the simulator's `n=` nonce).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local n = 0
function request()
  n = n + 1
  local body = string.format('{"code":"user=load-%d-%d;n=%d"}', id, n % 256, n)
  return wrk.format("POST", "/auth/login", { ["content-type"] = "application/json" }, body)
end
