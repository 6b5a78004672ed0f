// The most permits per second two processes sustain, and the most emissions the monitor
// takes in.
#include "bench_support.h"
#include "benchmarks.h"

#include <algorithm>

namespace throttlelab::bench {
namespace {

struct Flow {
    double granted_per_s = 0;
    double offered_per_s = 0; // emissions accepted + lost
    double lost = 0;
};

Flow run(long long max_n, bool as_throttle, double seconds) {
    Flow f;
    ThrottleOptions o;
    o.name = benchName("ceiling");
    o.config.max_n = max_n;
    o.config.per = 1.0;
    o.as_throttle = as_throttle;
    o.auto_emit = true;
    o.auto_calibrate = false;
    Throttle t(o);
    if (!t.start().isEmpty()) return f;
    WorkerPool pool(o.name);
    pool.start(2);
    sleepSeconds(0.4);
    const RunInfo before = t.client().runInfo();
    const Nanos t0 = monotonicNow();
    sleepSeconds(seconds);
    const RunInfo after = t.client().runInfo();
    const double dt = toSeconds(monotonicNow() - t0);
    t.setKillFlag();
    pool.finish();
    t.stop();
    f.granted_per_s = double(after.granted - before.granted) / dt;
    f.offered_per_s =
        double((after.emitted - before.emitted) + (after.overflow - before.overflow)) / dt;
    f.lost = double(after.overflow - before.overflow);
    return f;
}

} // namespace

Ceilings ceilings(const BenchSettings& s) {
    Ceilings c;
    const double seconds = s.quick ? 1.0 : 3.0;
    if (s.progress) s.progress(QStringLiteral("ceiling: permits across 2 processes"), 0);
    const Flow most = run(100'000'000, true, seconds);
    c.permits_per_s_2proc = most.granted_per_s;
    c.permits_lost_fraction =
        most.offered_per_s > 0 ? most.lost / (most.offered_per_s * seconds) : 0;
    if (s.progress) s.progress(QStringLiteral("ceiling: monitor flood"), 0.4);
    const Flow flood = run(1, false, seconds);
    c.emissions_per_s_flood = flood.offered_per_s;
    c.flood_lost_fraction =
        flood.offered_per_s > 0 ? flood.lost / (flood.offered_per_s * seconds) : 0;
    const std::vector<long long> rates =
        s.quick ? std::vector<long long>{250'000, 1'000'000}
                : std::vector<long long>{250'000,   500'000,   1'000'000, 2'000'000,
                                         4'000'000, 6'000'000, 8'000'000};
    // The highest rate granted with nothing lost, the unlimited run included. A rate the
    // machine could not reach this time (it is shared) does not end the ladder: only a loss
    // does.
    if (most.lost == 0) c.lossless_emissions_per_s = most.granted_per_s;
    for (long long rate : rates) {
        if (s.progress) s.progress(QStringLiteral("ceiling: lossless at %1/s").arg(rate), 0.6);
        const Flow f = run(rate, true, seconds);
        if (f.lost > 0) break;
        c.lossless_emissions_per_s = std::max(c.lossless_emissions_per_s, f.granted_per_s);
    }
    return c;
}

} // namespace throttlelab::bench
