-- redeem.lua -- wrk script for bench/http.sh: POST /v1/redemptions, a different valid code in
-- every request, each with its own account and Idempotency-Key (as the student page sends).
--
-- Environment:
--   CODES      file with one code per line (the second field of `cardctl code derive`);
--              thread t of T takes lines t, t+T, t+2T, ... and never reuses one
--   WRK_THREADS  the -t given to wrk
--   RUN        a name for this run, unique within the database (Idempotency-Keys)
-- At the end it prints "statuses: 201=N 200=N ..." so bench/http.sh can check that every
-- request redeemed a fresh card.

local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	local path = os.getenv("CODES")
	codes = {}
	local i = 0
	for line in io.lines(path) do
		local code = line:match("(%S+)%s*$")
		if code and i % nthreads_total() == tid then
			codes[#codes + 1] = code
		end
		i = i + 1
	end
	next_code = 1
	statuses = {}
	exhausted = 0
	run = os.getenv("RUN") or "0"
end

-- setup() runs in the main Lua state; each thread's state only sees what was set on it.
function nthreads_total()
	return tonumber(os.getenv("WRK_THREADS") or "1")
end

function request()
	local code = codes[next_code]
	if code == nil then
		exhausted = exhausted + 1
		code = codes[1]
	else
		next_code = next_code + 1
	end
	local n = next_code
	local body = string.format('{"code":"%s","account":"bench-%d-%d"}', code, tid, n)
	local headers = {
		["Content-Type"] = "application/json",
		["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid, n),
	}
	return wrk.format("POST", "/v1/redemptions", headers, body)
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	local ex = 0
	for _, t in ipairs(threads) do
		local s = t:get("statuses")
		for k, v in pairs(s) do
			total[k] = (total[k] or 0) + v
		end
		ex = ex + (t:get("exhausted") or 0)
	end
	local keys = {}
	for k in pairs(total) do
		keys[#keys + 1] = k
	end
	table.sort(keys)
	local out = {}
	for _, k in ipairs(keys) do
		out[#out + 1] = string.format("%d=%d", k, total[k])
	end
	io.write(string.format("statuses: %s exhausted=%d\n", table.concat(out, " "), ex))
	io.write(string.format("p50_us: %d p90_us: %d p99_us: %d\n", latency:percentile(50),
		latency:percentile(90), latency:percentile(99)))
end
