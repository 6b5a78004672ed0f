#include "budget_scripts.h"

namespace throttlelab::backend {

BudgetKeys BudgetKeys::of(const QString& key) {
    const QByteArray base = "tl:{" + key.toUtf8() + "}:";
    return {base + "config", base + "tat", base + "log", base + "members"};
}

namespace {

// Shared by every script: the server's time, and the budget's configuration.
#define TL_PRELUDE                                                                                 \
    "local t = redis.call('TIME')\n"                                                               \
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"                                      \
    "local cfg = redis.call('HMGET', KEYS[1], 'max_n', 'per_us', 'hardcap', 'version')\n"          \
    "local max_n = tonumber(cfg[1])\n"                                                             \
    "local per = tonumber(cfg[2])\n"                                                               \
    "local hardcap = cfg[3]\n"                                                                     \
    "local version = cfg[4] or '0'\n"                                                              \
    "local interval, tau = 0, 0\n"                                                                 \
    "if max_n then\n"                                                                              \
    "  interval = per / max_n\n"                                                                   \
    "  if hardcap == 'limit' or hardcap == 'window' then tau = (max_n - 1) * interval end\n"       \
    "end\n"

} // namespace

// KEYS: config, members. ARGV: machine, max_n, per_us, hardcap.
// Joins the budget. With no other machine seen lately, this machine's settings become the
// budget's; otherwise it takes the budget's. Returns {max_n, per_us, hardcap, version,
// machines}.
const RedisScript& joinScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
local live = 1
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local seen = tonumber(string.match(all[i + 1], '^([%d%.]+)'))
  if all[i] ~= ARGV[1] and seen and now - seen < 2000000 then live = live + 1 end
end
if live == 1 or not max_n then
  version = tostring(tonumber(version) + 1)
  redis.call('HSET', KEYS[1], 'max_n', ARGV[2], 'per_us', ARGV[3], 'hardcap', ARGV[4],
             'version', version)
  redis.call('PUBLISH', KEYS[1], version)
  return {ARGV[2], ARGV[3], ARGV[4], version, live}
end
return {cfg[1], cfg[2], cfg[3], version, live}
)lua");
    return s;
}

// KEYS: config, tat. ARGV: want, horizon_us.
// GCRA on one theoretical arrival time, several permits per call: grants k <= want permits
// that fall due within the horizon. Returns {k, first_due_us (from now; negative when the
// bank makes it due already), interval_us, version}; k = 0 with the wait in first_due_us;
// k = -1 when the budget has no configuration (lost in a restart: join again).
const RedisScript& leaseScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
if not max_n then return {-1, 0, '0', version} end
local tat = tonumber(redis.call('GET', KEYS[2]) or '')
if not tat then
  tat = now + tau
  if hardcap == 'none' then tat = now end
end
local base = tat
if hardcap ~= 'none' then base = math.max(tat, now) end
local first = base - tau
local horizon = tonumber(ARGV[2])
if first > now + horizon then return {0, math.ceil(first - now), tostring(interval), version} end
local k = math.floor((now + horizon - first) / interval) + 1
local want = tonumber(ARGV[1])
if k > want then k = want end
local nt = base + k * interval
local ttl = math.ceil(math.max(nt - now, 0) / 1000 + per / 1000) + 1000
redis.call('SET', KEYS[2], string.format('%.3f', nt), 'PX', ttl)
return {k, math.floor(first - now), tostring(interval), version}
)lua");
    return s;
}

// KEYS: config, tat, log. ARGV: member, hold_us.
// The window hardcap: a sliding log of every machine's permits, one permit per call, with
// the GCRA spacing the local window mode has too. A permit is logged hold_us ahead (it must
// be taken before then, see lease_plan.h). Returns {1, 0, version} or {0, wait_us, version};
// {-1, 0, version} without a configuration.
const RedisScript& windowScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
if not max_n then return {-1, 0, version} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.3f', now - per))
local count = redis.call('ZCARD', KEYS[3])
local wait = 0
if count >= max_n then
  local e = redis.call('ZRANGE', KEYS[3], count - max_n, count - max_n, 'WITHSCORES')
  wait = tonumber(e[2]) + per - now
end
local tat = tonumber(redis.call('GET', KEYS[2]) or '') or (now + tau)
local base = math.max(tat, now)
if base - tau - now > wait then wait = base - tau - now end
if wait > 0 then return {0, math.ceil(wait), version} end
local hold = tonumber(ARGV[2])
redis.call('ZADD', KEYS[3], string.format('%.3f', now + hold), ARGV[1])
redis.call('PEXPIRE', KEYS[3], math.ceil((per + hold) / 1000) + 1000)
local nt = base + interval
redis.call('SET', KEYS[2], string.format('%.3f', nt), 'PX', math.ceil((nt - now + per) / 1000) + 1000)
return {1, 0, version}
)lua");
    return s;
}

// KEYS: config, tat, log. ARGV: count, member ('' for none).
// Gives back leased permits that were not taken: the theoretical arrival time moves back by
// their spacing (never before now, so no bank is made), and a window permit leaves the log.
const RedisScript& returnScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[3], ARGV[2]) end
local n = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[2]) or '')
if max_n and tat and n > 0 then
  local nt = tat - n * interval
  if hardcap ~= 'none' and nt < now then nt = now end
  redis.call('SET', KEYS[2], string.format('%.3f', nt), 'KEEPTTL')
end
return 1
)lua");
    return s;
}

// KEYS: config, tat. ARGV: max_n, per_us, hardcap.
// A live change from any machine: what was owed is kept in permits (as the local change
// does), the version moves and is published. Returns the new version.
const RedisScript& setConfigScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
local tat = tonumber(redis.call('GET', KEYS[2]) or '')
local new_interval = tonumber(ARGV[2]) / tonumber(ARGV[1])
if max_n and tat and tat > now then
  local nt = now + (tat - now) * new_interval / interval
  redis.call('SET', KEYS[2], string.format('%.3f', nt), 'PX', math.ceil((nt - now) / 1000 + tonumber(ARGV[2]) / 1000) + 1000)
end
version = tostring(tonumber(version) + 1)
redis.call('HSET', KEYS[1], 'max_n', ARGV[1], 'per_us', ARGV[2], 'hardcap', ARGV[3],
           'version', version)
redis.call('PUBLISH', KEYS[1], version)
return version
)lua");
    return s;
}

// KEYS: config, tat. No ARGV.
// After an outage or at a machine's start: the bank is emptied (one permit may be taken at
// once, as after a local start), so no burst of permits banked meanwhile is replayed.
const RedisScript& drainScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
if not max_n then return 0 end
local tat = tonumber(redis.call('GET', KEYS[2]) or '') or 0
local floor = now + tau
if hardcap == 'none' then floor = now end
if tat < floor then
  redis.call('SET', KEYS[2], string.format('%.3f', floor), 'PX', math.ceil((floor - now + per) / 1000) + 1000)
end
return 1
)lua");
    return s;
}

// KEYS: config, members. ARGV: machine, "host|pid|taken|rate|state".
// This machine is alive; returns {machines seen, permits every machine took in its last
// window, every machine's rate summed (a string), version}. Machines silent for a minute
// are dropped from the list.
const RedisScript& heartbeatScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
redis.call('HSET', KEYS[2], ARGV[1], string.format('%.0f', now) .. '|' .. ARGV[2])
redis.call('PEXPIRE', KEYS[2], 3600000)
local live, taken, rate = 0, 0, 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local seen, host, pid, t, r = string.match(all[i + 1], '^([%d%.]+)|([^|]*)|([^|]*)|([^|]*)|([^|]*)')
  seen = tonumber(seen)
  if seen and now - seen < 2000000 then
    live = live + 1
    taken = taken + (tonumber(t) or 0)
    rate = rate + (tonumber(r) or 0)
  elseif seen and now - seen > 60000000 then
    redis.call('HDEL', KEYS[2], all[i])
  end
end
return {live, taken, tostring(rate), version}
)lua");
    return s;
}

// KEYS: config, tat, log. ARGV: score_us, member, score_us, member, ...
// After an outage in which this machine gave permits from its own share: they are put into
// the window log at the times they were taken, so every machine's next lease counts them.
const RedisScript& replayScript() {
    static const RedisScript s(TL_PRELUDE R"lua(
for i = 1, #ARGV, 2 do
  redis.call('ZADD', KEYS[3], ARGV[i], ARGV[i + 1])
end
if max_n then redis.call('PEXPIRE', KEYS[3], math.ceil(per / 1000) + 1000) end
return #ARGV / 2
)lua");
    return s;
}

} // namespace throttlelab::backend
