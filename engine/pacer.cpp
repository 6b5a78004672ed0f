#include "pacer.h"

#include "fault_injection.h"
#include "pid_lock.h"

#include <algorithm>

namespace throttlelab {
namespace {

constexpr std::int64_t toQ(Nanos ns) {
    return ns << shm::kTatShift;
}
// Rounds up, so a retry at the returned time is never early.
constexpr Nanos fromQCeil(std::int64_t q) {
    return (q + ((std::int64_t(1) << shm::kTatShift) - 1)) >> shm::kTatShift;
}

GrantResult tryExact(shm::Pacing& p, const PacingParams& params, Nanos now) {
    const std::int64_t now_q = toQ(now);
    std::int64_t tat = p.tat.load(std::memory_order_acquire);
    for (;;) {
        std::int64_t next;
        if (params.hardcap == Hardcap::None) {
            // Unbounded bank: every interval since start is owed, however long the idle.
            if (tat > now_q) return {false, 0, fromQCeil(tat)};
            next = tat + params.interval_q;
        } else {
            if (tat - params.tau_q > now_q) return {false, 0, fromQCeil(tat - params.tau_q)};
            next = std::max(tat, now_q) + params.interval_q;
        }
        if (p.tat.compare_exchange_weak(tat, next, std::memory_order_acq_rel,
                                        std::memory_order_acquire))
            return {true, now, -1};
    }
}

GrantResult tryClassic(shm::Pacing& p) {
    std::int64_t tank = p.tank.load(std::memory_order_acquire);
    while (tank > 0)
        if (p.tank.compare_exchange_weak(tank, tank - 1, std::memory_order_acq_rel))
            return {true, 0, -1};
    return {false, 0, -1};
}

GrantResult tryPaced(shm::Pacing& p, const PacingParams& params, Nanos now) {
    GrantResult r = params.mode == PacingMode::Exact ? tryExact(p, params, now) : tryClassic(p);
    r.grant_ns = now;
    return r;
}

// The window ring's lock (pid_lock.h): a dead holder's lock is taken over at once, and a
// holder stopped for 50 ms loses it, so neither a SIGKILL nor a Ctrl-Z inside the few
// instructions it is held wedges the others. (A stopped holder that resumes after losing the
// lock finds the count moved and records nothing.)
class WindowLock {
public:
    WindowLock(shm::AI64& word, pid_t self)
        : word_(word)
        , self_(self) {
        acquirePidLock(word_, self_, -1, StalledHolder::Steal);
    }
    ~WindowLock() { releasePidLock(word_, self_); }
    WindowLock(const WindowLock&) = delete;
    WindowLock& operator=(const WindowLock&) = delete;

private:
    shm::AI64& word_;
    pid_t self_;
};

} // namespace

PacingParams PacingParams::from(const ThrottleConfig& c, bool as_throttle, std::uint64_t feed) {
    PacingParams p;
    p.mode = c.mode;
    p.hardcap = c.hardcap;
    p.unlimited = !as_throttle;
    p.max_n = std::max<long long>(1, c.max_n);
    switch (shm::feedKind(feed)) {
    case shm::FeedKind::Local:
        break;
    case shm::FeedKind::Leased:
        // The tank holds what the backend leased; the backend keeps the rate and the bank.
        // The window ring keeps recording every grant, so this machine's own share of the
        // last window is known if the backend goes away (policy local).
        p.mode = PacingMode::Classic;
        if (p.hardcap != Hardcap::Window) p.hardcap = Hardcap::Limit;
        break;
    case shm::FeedKind::Open:
        p.unlimited = true;
        break;
    case shm::FeedKind::Share:
        p.mode = PacingMode::Exact;
        p.max_n = std::max<long long>(1, shm::feedShare(feed));
        break;
    }
    p.per_ns = std::max<Nanos>(1, fromSeconds(c.per));
    p.interval_q = std::max<std::int64_t>(1, toQ(p.per_ns) / p.max_n);
    const long long b = p.burst();
    p.tau_q = b < 0 ? 0 : (b - 1) * p.interval_q;
    return p;
}

PacingParams PacingParams::of(const shm::Segment& s, const ThrottleConfig& c) {
    return from(c, s.config.as_throttle.load(std::memory_order_relaxed) != 0,
                s.backend.feed.load(std::memory_order_acquire));
}

long long PacingParams::burst() const {
    switch (hardcap) {
    case Hardcap::One:
        return 1;
    case Hardcap::None:
        return -1;
    case Hardcap::Limit:
    case Hardcap::Window:
        return max_n;
    }
    return max_n;
}

void resetPacing(shm::Pacing& p, const PacingParams& params, Nanos now) {
    const std::int64_t now_q = toQ(now);
    p.tat.store(params.hardcap == Hardcap::None ? now_q : now_q + params.tau_q,
                std::memory_order_release);
    p.tank.store(0, std::memory_order_release);
}

namespace {

// Permits banked (positive) or owed (negative, fractional) at `now` in exact mode: the
// count available is floor of it when it is >= 1.
double exactTokens(std::int64_t tat, const PacingParams& params, Nanos now) {
    const std::int64_t lead = toQ(now) + (params.hardcap == Hardcap::None ? 0 : params.tau_q) - tat;
    const double tokens = double(lead) / double(params.interval_q) + 1.0;
    const long long b = params.burst();
    return b >= 0 ? std::min(tokens, double(b)) : tokens;
}

std::int64_t exactTatFor(double tokens, const PacingParams& params, Nanos now) {
    const long long b = params.burst();
    if (b >= 0) tokens = std::min(tokens, double(b));
    // An unbounded bank (hardcap none) may hold more permits than a 64-bit tat can express at
    // a slow new rate (1.5e8 permits at 1 per 1e6 s): keep the lead within +-2^61 (a bank
    // of centuries), rather than let the conversion wrap into a wrong, even negative, bank.
    constexpr double kMaxLead = double(std::int64_t(1) << 61);
    const double lead = std::clamp((tokens - 1.0) * double(params.interval_q), -kMaxLead, kMaxLead);
    return toQ(now) + (params.hardcap == Hardcap::None ? 0 : params.tau_q) - std::int64_t(lead);
}

// While a change is being published, exact grants are refused: tat is put this far ahead.
constexpr Nanos kClosedDuringChange = 100 * kNanosPerMilli;

} // namespace

double closePacingForChange(shm::Pacing& p, const PacingParams& before, const PacingParams& after,
                            Nanos now) {
    if (before.mode == PacingMode::Classic)
        return double(p.tank.exchange(0, std::memory_order_acq_rel));
    const std::int64_t closed =
        toQ(now + kClosedDuringChange) + std::max(before.tau_q, after.tau_q);
    const std::int64_t tat = p.tat.exchange(closed, std::memory_order_acq_rel);
    return exactTokens(tat, before, now);
}

void openPacingAfterChange(shm::Pacing& p, const PacingParams& after, double tokens, Nanos now) {
    if (after.mode == PacingMode::Exact) {
        p.tat.store(exactTatFor(tokens, after, now), std::memory_order_release);
        return;
    }
    const long long cap = after.burst();
    const long long whole = tokens >= 1 ? (long long)std::min(tokens, 9.0e18) : 0;
    p.tank.store(cap >= 0 ? std::min(whole, cap) : whole, std::memory_order_release);
}

void rescalePacing(shm::Pacing& p, const PacingParams& before, const PacingParams& after,
                   Nanos now) {
    openPacingAfterChange(p, after, closePacingForChange(p, before, after, now), now);
}

GrantResult tryGrant(shm::Pacing& p, const PacingParams& params, Nanos now, pid_t self) {
    if (params.unlimited) return {true, now, -1};
    if (params.hardcap != Hardcap::Window) return tryPaced(p, params, now);

    WindowLock lock(p.window_lock_pid, self);
    const std::uint64_t k = p.window_count.load(std::memory_order_relaxed);
    const std::uint64_t n = std::uint64_t(params.max_n);
    Nanos last = k > 0 ? p.window_ring[(k - 1) % shm::kWindowRingSize].load() : now;
    // Times in the ring never go backwards, or the check below (against the n-th latest
    // grant by index) would no longer be a check against the n-th latest by time.
    const Nanos t = std::max(now, last);
    if (k >= n) {
        const Nanos oldest = p.window_ring[(k - n) % shm::kWindowRingSize].load();
        if (oldest + params.per_ns > t) {
            GrantResult pace = {false, 0, oldest + params.per_ns};
            return pace;
        }
    }
    GrantResult r = tryPaced(p, params, t);
    faultPoint(FaultPoint::WindowLockHeld);
    if (r.granted && p.window_count.load(std::memory_order_relaxed) == k) {
        p.window_ring[k % shm::kWindowRingSize].store(t, std::memory_order_relaxed);
        p.window_count.store(k + 1, std::memory_order_release);
    }
    return r;
}

long long availablePermits(const shm::Pacing& p, const PacingParams& params, Nanos now) {
    if (params.unlimited) return -1;
    long long n;
    if (params.mode == PacingMode::Classic) {
        n = p.tank.load(std::memory_order_relaxed);
    } else {
        const std::int64_t now_q = toQ(now);
        const std::int64_t tat = p.tat.load(std::memory_order_relaxed);
        const std::int64_t lead = now_q + params.tau_q - tat;
        n = lead < 0 ? 0 : lead / params.interval_q + 1;
        if (params.burst() >= 0) n = std::min(n, params.burst());
    }
    if (params.hardcap == Hardcap::Window) {
        const std::uint64_t k = p.window_count.load(std::memory_order_relaxed);
        long long in_window = 0;
        for (std::uint64_t i = k; i > 0 && in_window < params.max_n; --i) {
            if (p.window_ring[(i - 1) % shm::kWindowRingSize].load() + params.per_ns <= now) break;
            ++in_window;
        }
        n = std::min(n, params.max_n - in_window);
    }
    return n;
}

long long availableUpTo(const shm::Pacing& p, const PacingParams& params, Nanos now,
                        long long cap) {
    if (params.unlimited) return cap;
    long long n;
    if (params.mode == PacingMode::Classic) {
        n = p.tank.load(std::memory_order_relaxed);
    } else {
        const std::int64_t lead = toQ(now) + (params.hardcap == Hardcap::None ? 0 : params.tau_q) -
                                  p.tat.load(std::memory_order_relaxed);
        n = lead < 0 ? 0 : std::min<std::int64_t>(lead / params.interval_q + 1, cap);
    }
    n = std::min(n, cap);
    if (params.hardcap == Hardcap::Window) {
        // m more fit in the window when the (max_n - m + 1)-th newest grant has left it.
        const auto k = std::int64_t(p.window_count.load(std::memory_order_relaxed));
        long long m = 0;
        while (m < n) {
            const std::int64_t idx = k - 1 - (params.max_n - (m + 1));
            if (idx >= 0 &&
                (k - idx > std::int64_t(shm::kWindowRingSize) ||
                 p.window_ring[idx % shm::kWindowRingSize].load() + params.per_ns > now))
                break;
            ++m;
        }
        n = m;
    }
    return std::max<long long>(n, 0);
}

bool addClassicToken(shm::Pacing& p, const PacingParams& params) {
    const long long cap = params.burst();
    std::int64_t tank = p.tank.load(std::memory_order_acquire);
    for (;;) {
        if (cap >= 0 && tank >= cap) return false;
        if (p.tank.compare_exchange_weak(tank, tank + 1, std::memory_order_acq_rel)) {
            p.produced.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
}

long long maxInAnyWindow(const Nanos* t, std::size_t count, Nanos per_ns) {
    long long best = 0;
    std::size_t lo = 0;
    for (std::size_t hi = 0; hi < count; ++hi) {
        while (t[lo] + per_ns <= t[hi])
            ++lo;
        best = std::max<long long>(best, (long long)(hi - lo + 1));
    }
    return best;
}

} // namespace throttlelab
