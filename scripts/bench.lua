-- wrk script for make bench: each request presents one of the sampled tokens in turn.
local tokens = {}
for line in io.lines(os.getenv("TESSERA_BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
local counter = math.random(#tokens)

request = function()
  counter = counter % #tokens + 1
  return wrk.format("GET", "/api/v1/access-token", { ["Authorization"] = "Bearer " .. tokens[counter] })
end
