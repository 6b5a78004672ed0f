#pragma once
// The shared budget as it lives in Redis, and the Lua scripts that change it. Every rule runs
// inside Redis, on Redis's own clock (TIME), never a client's, so machines whose clocks
// disagree still share one budget. Times inside are microseconds since the Unix epoch.
//
// Keys of a budget named K (one hash tag, so a Redis Cluster would keep them on one shard):
//   tl:{K}:config   hash: max_n, per_us, hardcap, version (moves with every change)
//   tl:{K}:tat      the GCRA theoretical arrival time of the next permit
//   tl:{K}:log      window hardcap: a sorted set of permits, scored by when they count
//   tl:{K}:members  hash: machine -> "last_seen_us|host|pid|taken|rate|state"
// A config change is also published on the channel tl:{K}:config.
#include "redis_link.h"

#include <QByteArray>
#include <QString>

namespace throttlelab::backend {

struct BudgetKeys {
    QByteArray config, tat, log, members;
    static BudgetKeys of(const QString& key);
};

// Each script's KEYS and ARGV are listed in budget_scripts.cpp above its text.
const RedisScript& joinScript();
const RedisScript& leaseScript();
const RedisScript& windowScript();
const RedisScript& returnScript();
const RedisScript& setConfigScript();
const RedisScript& drainScript();
const RedisScript& heartbeatScript();
const RedisScript& replayScript();

// A machine not seen for this long no longer counts (heartbeats come every 50 ms).
constexpr long long kMemberStaleMicros = 2'000'000;

} // namespace throttlelab::backend
