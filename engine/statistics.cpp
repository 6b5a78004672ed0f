#include "statistics.h"

#include <algorithm>
#include <bit>

namespace throttlelab {
namespace {
// Up to this many entries a window holds one per emission and is exact. Beyond it (rates
// above 65,536 per `per`), emissions closer than per/65,536 to the newest entry join it as a
// count, so memory stays bounded whatever the rate: the latest count is then late by at most
// that slice (a relative error below 2e-5), instead of stopping at a cap as it used to
// (4,194,304 at 1e8/s).
constexpr std::size_t kExactWindowEntries = 65536;
// Emissions arrive in the order their processes claimed ring entries, which is time order but
// for small inversions between processes: an insertion sort is then about linear. One that
// has to move entries too far (a process stamped an emission long before pushing it) hands
// over to std::sort, so the worst case stays n log n.
void sortNearlySorted(std::vector<Emission>& v) {
    auto earlier = [](const Emission& a, const Emission& b) { return a.emit_ns < b.emit_ns; };
    std::size_t budget = 4 * v.size() + 64;
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (!earlier(v[i], v[i - 1])) continue;
        const Emission e = v[i];
        std::size_t j = i;
        while (j > 0 && earlier(e, v[j - 1])) {
            v[j] = v[j - 1];
            --j;
            if (--budget == 0) {
                v[j] = e;
                std::sort(v.begin(), v.end(), earlier);
                return;
            }
        }
        v[j] = e;
    }
}

} // namespace

RatePair RatePair::fromInterval(double interval_s) {
    if (!(interval_s > 0)) return {};
    return {interval_s, 1.0 / interval_s};
}

RatePair RatePair::fromCount(double count, double seconds) {
    if (!(count > 0) || !(seconds > 0)) return {};
    return {seconds / count, count / seconds};
}

int gapBucket(Nanos gap) {
    if (gap < 16) return int(std::max<Nanos>(gap, 0));
    const int e = 63 - std::countl_zero(std::uint64_t(gap));
    const int sub = int((std::uint64_t(gap) >> (e - 4)) & 15);
    return std::min<int>((e - 3) * 16 + sub, int(shm::kGapHistogramBuckets) - 1);
}

Nanos gapBucketMid(int bucket) {
    if (bucket < 16) return bucket;
    const int e = bucket / 16 + 3;
    const int sub = bucket % 16;
    const Nanos lower = Nanos(16 + sub) << (e - 4);
    const Nanos width = Nanos(1) << (e - 4);
    return lower + width / 2;
}

void StatisticsAccumulator::seed(const StatsSnapshot& s) {
    // Only what the previous monitor had placed: what it had not is still in the ring.
    total_ = s.placed;
    late_ = s.late;
    gaps_ = s.gaps;
    // A fresh segment's zeros are not a gap of 0 ns.
    min_gap_ = gaps_ > 0 ? s.min_gap_ns : -1;
    max_gap_ = gaps_ > 0 ? s.max_gap_ns : -1;
    max_in_window_ = s.max_in_window;
    histogram_ = s.gap_histogram;
}

void StatisticsAccumulator::beginRun() {
    last_emit_ = -1;
    window_emits_.clear();
    window_grants_.clear();
    window_emit_count_ = window_grant_count_ = 0;
    window_min_.clear();
    window_max_.clear();
}

void StatisticsAccumulator::receive(const Emission& e) {
    ++total_;
    pending_.push_back(e);
}

void StatisticsAccumulator::advance(Nanos now, Nanos lag, Nanos per_ns) {
    if (pending_.empty()) return;
    sortNearlySorted(pending_);
    const Nanos horizon = now - lag;
    std::size_t done = 0;
    while (done < pending_.size() && pending_[done].emit_ns <= horizon)
        place(pending_[done++], per_ns);
    pending_.erase(pending_.begin(), pending_.begin() + std::ptrdiff_t(done));
}

void StatisticsAccumulator::place(const Emission& e, Nanos per_ns) {
    if (keep_finalized_) finalized_.push_back(e);
    if (last_emit_ >= 0 && e.emit_ns < last_emit_) {
        ++late_;
    } else {
        if (last_emit_ >= 0) {
            const Nanos gap = e.emit_ns - last_emit_;
            ++gaps_;
            min_gap_ = min_gap_ < 0 ? gap : std::min(min_gap_, gap);
            max_gap_ = std::max(max_gap_, gap);
            ++histogram_[std::size_t(gapBucket(gap))];
            while (!window_min_.empty() && window_min_.back().gap >= gap)
                window_min_.pop_back();
            window_min_.push_back({e.emit_ns, gap});
            while (!window_max_.empty() && window_max_.back().gap <= gap)
                window_max_.pop_back();
            window_max_.push_back({e.emit_ns, gap});
        }
        last_emit_ = e.emit_ns;
        if (window_emits_.size() >= kExactWindowEntries &&
            e.emit_ns - window_emits_.back().t < per_ns / Nanos(kExactWindowEntries))
            ++window_emits_.back().n;
        else
            window_emits_.push_back({e.emit_ns, 1});
        ++window_emit_count_;
    }
    // Grants are what the window hardcap limits; with manual emits they may arrive out of
    // grant order, so they are inserted in place.
    // Coalesced the same way past kExactWindowEntries: an entry counts grants from its time
    // on, so the most-in-a-window figure is exact up to 65,536 per window (every hardcap
    // 'window' setting) and within one slice beyond.
    // Grants mostly arrive in order (always, with auto-emit): then the place is the end, and
    // the search, the monitor's costliest step at millions a second, is skipped.
    auto pos = !window_grants_.empty() && e.grant_ns < window_grants_.back().t
                   ? std::upper_bound(window_grants_.begin(), window_grants_.end(), e.grant_ns,
                                      [](Nanos t, const TimedCount& c) { return t < c.t; })
                   : window_grants_.end();
    if (window_grants_.size() >= kExactWindowEntries && pos != window_grants_.begin() &&
        e.grant_ns - std::prev(pos)->t < per_ns / Nanos(kExactWindowEntries))
        ++std::prev(pos)->n;
    else
        window_grants_.insert(pos, {e.grant_ns, 1});
    ++window_grant_count_;
    const Nanos newest = window_grants_.back().t;
    while (!window_grants_.empty() && window_grants_.front().t + per_ns <= newest) {
        window_grant_count_ -= window_grants_.front().n;
        window_grants_.pop_front();
    }
    max_in_window_ = std::max<long long>(max_in_window_, (long long)window_grant_count_);
}

void StatisticsAccumulator::pruneWindow(Nanos now, Nanos per_ns) {
    const Nanos edge = now - per_ns;
    while (!window_emits_.empty() && window_emits_.front().t <= edge) {
        window_emit_count_ -= window_emits_.front().n;
        window_emits_.pop_front();
    }
    while (!window_min_.empty() && window_min_.front().t <= edge)
        window_min_.pop_front();
    while (!window_max_.empty() && window_max_.front().t <= edge)
        window_max_.pop_front();
}

StatsSnapshot StatisticsAccumulator::snapshot(Nanos now, Nanos per_ns, Nanos runtime_ns,
                                              double target_rate) {
    pruneWindow(now, per_ns);
    StatsSnapshot s;
    s.published_ns = now;
    s.runtime_ns = runtime_ns;
    s.per_ns = per_ns;
    s.target_rate = target_rate;
    s.total = total_ + resident_total_;
    s.placed = total_;
    s.overflow = overflow_;
    s.late = late_;
    std::uint64_t recent = window_emit_count_ + resident_recent_;
    for (const Emission& e : pending_)
        if (e.emit_ns > now - per_ns) ++recent;
    s.latest_count = recent;
    s.latest = RatePair::fromCount(double(recent), toSeconds(per_ns));
    s.mean = RatePair::fromCount(double(total_), toSeconds(runtime_ns));
    if (max_gap_ >= 0) s.hi_lo = RatePair::fromInterval(toSeconds(max_gap_));
    if (min_gap_ >= 0) s.lo_hi = RatePair::fromInterval(toSeconds(min_gap_));
    if (!window_max_.empty())
        s.hi_lo_window = RatePair::fromInterval(toSeconds(window_max_.front().gap));
    if (!window_min_.empty())
        s.lo_hi_window = RatePair::fromInterval(toSeconds(window_min_.front().gap));
    s.max_in_window = max_in_window_;
    s.gaps = gaps_;
    s.min_gap_ns = min_gap_;
    s.max_gap_ns = max_gap_;
    s.gap_histogram = histogram_;
    if (gaps_ > 0) {
        const std::uint64_t want[3] = {(gaps_ * 50 + 99) / 100, (gaps_ * 90 + 99) / 100,
                                       (gaps_ * 99 + 99) / 100};
        double* out[3] = {&s.gap_p50_s, &s.gap_p90_s, &s.gap_p99_s};
        std::uint64_t seen = 0;
        int which = 0;
        for (std::size_t b = 0; b < histogram_.size() && which < 3; ++b) {
            seen += histogram_[b];
            while (which < 3 && seen >= std::max<std::uint64_t>(want[which], 1))
                *out[which++] = toSeconds(gapBucketMid(int(b)));
        }
    }
    return s;
}

Nanos StatisticsAccumulator::nextChange(Nanos per_ns, Nanos lag) const {
    Nanos next = -1;
    auto earliest = [&next](Nanos t) { next = next < 0 ? t : std::min(next, t); };
    if (!window_emits_.empty()) earliest(window_emits_.front().t + per_ns);
    for (const Emission& e : pending_)
        earliest(e.emit_ns + lag);
    return next;
}

std::vector<Emission> StatisticsAccumulator::takeFinalized() {
    std::vector<Emission> out;
    out.swap(finalized_);
    return out;
}

} // namespace throttlelab
