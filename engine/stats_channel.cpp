#include "stats_channel.h"

#include "fault_injection.h"

#include <bit>
#include <thread>

namespace throttlelab {
namespace {

// The scalar fields in their order in the shared words; the histogram follows them.
template <typename Visit> void visitScalars(StatsSnapshot& s, Visit&& v) {
    v(s.published_ns);
    v(s.runtime_ns);
    v(s.per_ns);
    v(s.target_rate);
    v(s.total);
    v(s.overflow);
    v(s.late);
    v(s.latest_count);
    v(s.latest.interval_s);
    v(s.latest.rate);
    v(s.mean.interval_s);
    v(s.mean.rate);
    v(s.hi_lo.interval_s);
    v(s.hi_lo.rate);
    v(s.lo_hi.interval_s);
    v(s.lo_hi.rate);
    v(s.hi_lo_window.interval_s);
    v(s.hi_lo_window.rate);
    v(s.lo_hi_window.interval_s);
    v(s.lo_hi_window.rate);
    v(s.max_in_window);
    v(s.gap_p50_s);
    v(s.gap_p90_s);
    v(s.gap_p99_s);
    v(s.gaps);
    v(s.min_gap_ns);
    v(s.max_gap_ns);
    v(s.placed);
    v(s.ring_cursor);
    v(s.log_bytes);
    v(s.abandoned);
}
constexpr std::size_t kScalarWords = 31;
static_assert(kScalarWords + shm::kGapHistogramBuckets <= shm::StatsWords::kCount);

template <typename T> std::uint64_t toWord(T v) {
    if constexpr (std::is_same_v<T, double>)
        return std::bit_cast<std::uint64_t>(v);
    else
        return std::uint64_t(v);
}
template <typename T> T fromWord(std::uint64_t w) {
    if constexpr (std::is_same_v<T, double>)
        return std::bit_cast<double>(w);
    else
        return T(w);
}

} // namespace

void publishStats(shm::Stats& out, const StatsSnapshot& snapshot) {
    StatsSnapshot s = snapshot;
    const std::uint64_t published = out.published.load(std::memory_order_acquire);
    shm::StatsBuffer& b = out.buffer[(published & 1) ^ 1];
    // Odd while being written. A dead writer may have left it odd already: step to the next
    // odd value, so a reader that copied the torn words before still sees the seq move.
    const std::uint64_t seq = b.seq.load(std::memory_order_relaxed);
    const std::uint64_t writing = (seq | 1) + ((seq & 1) ? 2 : 0);
    b.seq.store(writing, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::size_t i = 0;
    visitScalars(s, [&](auto& field) {
        b.data.word[i++].store(toWord(field), std::memory_order_relaxed);
        if (i == kScalarWords / 2) faultPoint(FaultPoint::MonitorStatsPublish);
    });
    for (std::size_t k = 0; k < shm::kGapHistogramBuckets; ++k)
        b.data.word[kScalarWords + k].store(s.gap_histogram[k], std::memory_order_relaxed);
    b.seq.store(writing + 1, std::memory_order_release);
    out.published.store((((published >> 1) + 1) << 1) | ((published & 1) ^ 1),
                        std::memory_order_release);
}

StatsSnapshot readStats(const shm::Stats& in) {
    StatsSnapshot s;
    for (int attempt = 0;; ++attempt) {
        // Only a writer that lapped this reader (published twice during one copy) makes it
        // retry; a writer that died or stopped never does.
        if (attempt > 64) std::this_thread::yield();
        const std::uint64_t published = in.published.load(std::memory_order_acquire);
        const shm::StatsBuffer& b = in.buffer[published & 1];
        const std::uint64_t before = b.seq.load(std::memory_order_acquire);
        if (before & 1) continue;
        std::size_t i = 0;
        visitScalars(s, [&](auto& field) {
            field = fromWord<std::decay_t<decltype(field)>>(
                b.data.word[i++].load(std::memory_order_relaxed));
        });
        for (std::size_t k = 0; k < shm::kGapHistogramBuckets; ++k)
            s.gap_histogram[k] = b.data.word[kScalarWords + k].load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (b.seq.load(std::memory_order_relaxed) == before) return s;
    }
}

void appendHistory(shm::History& h, const HistorySample& s) {
    const std::uint64_t index = h.head.load(std::memory_order_relaxed) + 1;
    shm::HistoryPoint& p = h.points[index % shm::kHistorySize];
    p.seq.store(0, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    p.t_ns.store(s.t_ns, std::memory_order_relaxed);
    p.latest_rate_bits.store(std::bit_cast<std::uint64_t>(s.latest_rate),
                             std::memory_order_relaxed);
    p.mean_rate_bits.store(std::bit_cast<std::uint64_t>(s.mean_rate), std::memory_order_relaxed);
    p.hi_lo_rate_bits.store(std::bit_cast<std::uint64_t>(s.hi_lo_rate), std::memory_order_relaxed);
    p.lo_hi_rate_bits.store(std::bit_cast<std::uint64_t>(s.lo_hi_rate), std::memory_order_relaxed);
    p.target_rate_bits.store(std::bit_cast<std::uint64_t>(s.target_rate),
                             std::memory_order_relaxed);
    faultPoint(FaultPoint::MonitorHistoryAppend);
    p.available.store(s.available, std::memory_order_relaxed);
    p.total.store(s.total, std::memory_order_relaxed);
    p.seq.store(index, std::memory_order_release);
    h.head.store(index, std::memory_order_release);
}

std::vector<HistorySample> readHistory(const shm::History& h, std::uint64_t after,
                                       std::uint64_t* next_index) {
    const std::uint64_t head = h.head.load(std::memory_order_acquire);
    std::uint64_t first = after + 1;
    if (head >= shm::kHistorySize && first + shm::kHistorySize <= head)
        first = head - shm::kHistorySize + 2; // the oldest slot may be mid-overwrite
    std::vector<HistorySample> out;
    for (std::uint64_t i = first; i <= head; ++i) {
        const shm::HistoryPoint& p = h.points[i % shm::kHistorySize];
        if (p.seq.load(std::memory_order_acquire) != i) continue;
        HistorySample s;
        s.t_ns = p.t_ns.load(std::memory_order_relaxed);
        s.latest_rate = std::bit_cast<double>(p.latest_rate_bits.load(std::memory_order_relaxed));
        s.mean_rate = std::bit_cast<double>(p.mean_rate_bits.load(std::memory_order_relaxed));
        s.hi_lo_rate = std::bit_cast<double>(p.hi_lo_rate_bits.load(std::memory_order_relaxed));
        s.lo_hi_rate = std::bit_cast<double>(p.lo_hi_rate_bits.load(std::memory_order_relaxed));
        s.target_rate = std::bit_cast<double>(p.target_rate_bits.load(std::memory_order_relaxed));
        s.available = p.available.load(std::memory_order_relaxed);
        s.total = p.total.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (p.seq.load(std::memory_order_relaxed) == i) out.push_back(s);
    }
    if (next_index) *next_index = head;
    return out;
}

} // namespace throttlelab
