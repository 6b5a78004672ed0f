#pragma once
// What the monitor computes from emissions: the reference's latest, mean, hi_lo and lo_hi,
// made correct by construction (gaps are taken in time order, so never negative; empty
// windows give zeros, never a division by zero), plus windowed extremes, the most grants in
// any window of `per`, and gap percentiles. Pure: time comes in as arguments.
#include "clock.h"
#include "segment_layout.h"

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

namespace throttlelab {

// A rate both ways, as the reference returns it: seconds between events and events/second.
// Both are 0 when there is nothing to measure.
struct RatePair {
    double interval_s = 0;
    double rate = 0;
    static RatePair fromInterval(double interval_s);
    static RatePair fromCount(double count, double seconds);
};

struct StatsSnapshot {
    Nanos published_ns = 0;
    Nanos runtime_ns = 0;
    Nanos per_ns = 0;
    double target_rate = 0;
    std::uint64_t total = 0;    // emissions counted, all time
    std::uint64_t overflow = 0; // emissions lost to a full ring (reported, never silent)
    std::uint64_t late = 0;     // counted, but arrived too late to place in the gap order
    std::uint64_t latest_count = 0;
    RatePair latest; // over the most recent window of length `per`
    RatePair mean;   // total / runtime
    RatePair hi_lo;  // all-time largest gap (lowest instantaneous rate)
    RatePair lo_hi;  // all-time smallest gap (highest instantaneous rate)
    RatePair hi_lo_window;
    RatePair lo_hi_window;
    long long max_in_window = 0; // most grants seen in any window of `per`, all time
    double gap_p50_s = 0, gap_p90_s = 0, gap_p99_s = 0;
    std::uint64_t gaps = 0;
    Nanos min_gap_ns = -1, max_gap_ns = -1;
    // What a replacement monitor resumes from: `placed` of `total` are in the figures above
    // (the rest still wait in the emission ring, below nothing: they are re-read), every ring
    // entry below `ring_cursor` is in them, and the permit log held `log_bytes` bytes then.
    std::uint64_t placed = 0;
    std::uint64_t ring_cursor = 0;
    std::int64_t log_bytes = -1;
    std::uint64_t abandoned = 0; // ring entries an emitter claimed but died before filling
    std::array<std::uint64_t, shm::kGapHistogramBuckets> gap_histogram{};
};

struct Emission {
    Nanos grant_ns = 0;
    Nanos emit_ns = 0;
    std::uint32_t worker = 0;
    std::int64_t pid = 0; // the emitting process
};

// Log-scale buckets, 16 per octave: a percentile read from them is within about 3%.
int gapBucket(Nanos gap);
Nanos gapBucketMid(int bucket);

class StatisticsAccumulator {
public:
    // Carries the all-time figures of an earlier run (or an earlier monitor process) over.
    void seed(const StatsSnapshot& previous);
    // A new run begins: the idle time since the last emission is not a gap.
    void beginRun();
    // Counts an emission at once; it joins the time-ordered statistics in advance().
    void receive(const Emission& e);
    // Places received emissions stamped before now - lag in time order. Emissions from
    // several processes arrive slightly out of order; the lag lets them settle first.
    void advance(Nanos now, Nanos lag, Nanos per_ns);
    StatsSnapshot snapshot(Nanos now, Nanos per_ns, Nanos runtime_ns, double target_rate);
    std::uint64_t total() const { return total_; }
    // When the statistics change next without a new emission: the oldest emission of the
    // latest window leaves it, or a received one is placed. -1 when nothing is pending.
    Nanos nextChange(Nanos per_ns, Nanos lag) const;
    // The emissions that advance() placed, in order, since the last call (for the CSV log).
    std::vector<Emission> takeFinalized();
    void setKeepFinalized(bool keep) { keep_finalized_ = keep; }

private:
    struct TimedGap {
        Nanos t;
        Nanos gap;
    };
    void place(const Emission& e, Nanos per_ns);
    void pruneWindow(Nanos now, Nanos per_ns);

    std::uint64_t total_ = 0, late_ = 0, gaps_ = 0, overflow_ = 0;
    Nanos last_emit_ = -1;
    Nanos min_gap_ = -1, max_gap_ = -1;
    long long max_in_window_ = 0;
    std::array<std::uint64_t, shm::kGapHistogramBuckets> histogram_{};
    std::vector<Emission> pending_;
    struct TimedCount {
        Nanos t;
        std::uint64_t n;
    };
    std::deque<TimedCount> window_emits_;
    std::deque<TimedCount> window_grants_;
    std::uint64_t window_emit_count_ = 0, window_grant_count_ = 0;
    std::deque<TimedGap> window_min_, window_max_;
    std::vector<Emission> finalized_;
    bool keep_finalized_ = false;

public:
    void setOverflow(std::uint64_t n) { overflow_ = n; }
    // Emissions the monitor has seen but not taken yet (they wait in the ring for their lag):
    // they count in the total and, when recent, in the latest window.
    void setResident(std::uint64_t total, std::uint64_t recent) {
        resident_total_ = total;
        resident_recent_ = recent;
    }

private:
    std::uint64_t resident_total_ = 0, resident_recent_ = 0;
};

} // namespace throttlelab
