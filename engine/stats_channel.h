#pragma once
// Publishing the monitor's statistics so any process can read a consistent copy without a
// lock that a dying process could leave held: a sequence lock over 64-bit atomic words.
#include "segment_layout.h"
#include "statistics.h"

#include <vector>

namespace throttlelab {

void publishStats(shm::Stats& out, const StatsSnapshot& s);
// Retries while the monitor is mid-write; a reader never blocks the writer.
StatsSnapshot readStats(const shm::Stats& in);

struct HistorySample {
    Nanos t_ns = 0;
    double latest_rate = 0, mean_rate = 0, hi_lo_rate = 0, lo_hi_rate = 0, target_rate = 0;
    long long available = 0;
    std::uint64_t total = 0;
};

void appendHistory(shm::History& h, const HistorySample& s);
// Samples appended after `after_index` (history indexes count from 1), oldest first, at most
// the ring's capacity; `next_index` is where the next read should start.
std::vector<HistorySample> readHistory(const shm::History& h, std::uint64_t after_index,
                                       std::uint64_t* next_index);

} // namespace throttlelab
