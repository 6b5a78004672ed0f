// Wake-up latency of a blocked waiter: the time its permit was taken minus the time it became
// available. exact mode: the waiter sleeps until its own deadline. classic mode: the throttle
// process adds a token and wakes the waiter through the shared futex.
#include "bench_support.h"
#include "benchmarks.h"
#include "process_identity.h"

#include <thread>

namespace throttlelab::bench {
namespace {

LatencyResult measure(PacingMode mode, int samples) {
    LatencyResult r;
    r.mode = toString(mode);
    ThrottleOptions o;
    o.name = benchName("latency");
    o.config.max_n = 200;
    o.config.per = 1.0;
    o.config.hardcap = Hardcap::One; // nothing banked: every permit is waited for
    o.config.mode = mode;
    o.auto_calibrate = false;
    o.as_monitor = false;
    Throttle t(o);
    if (!t.start().isEmpty()) return r;
    usePreciseTimers(); // timer slack is per thread: this is the waiting thread
    ThrottleClient& c = t.client();
    c.awaitFuel(std::chrono::seconds(1));
    for (int i = 0; i < samples + 5; ++i) {
        Nanos available = 0;
        const Nanos waiting_since = monotonicNow();
        if (mode == PacingMode::Exact) available = c.nextPermitDue();
        if (c.awaitFuel(std::chrono::seconds(1)) != WaitResult::Granted) break;
        const Nanos got = monotonicNow();
        if (mode == PacingMode::Classic) available = c.lastTokenAdded();
        if (i < 5 || available < waiting_since) continue; // warm-up, or it did not block
        r.samples_us.push_back(toSeconds(got - available) * 1e6);
    }
    t.stop();
    r.samples = int(r.samples_us.size());
    r.p50_us = percentile(r.samples_us, 50);
    r.p90_us = percentile(r.samples_us, 90);
    r.p99_us = percentile(r.samples_us, 99);
    r.max_us = percentile(r.samples_us, 100);
    return r;
}

} // namespace

std::vector<LatencyResult> wakeLatency(const BenchSettings& s) {
    const int samples = s.quick ? 100 : 600;
    if (s.progress) s.progress(QStringLiteral("wake-up latency"), 0);
    // In a thread of its own: timer slack is per thread and inherited by children, and the
    // processes this one starts later (classic mode's throttle loop above all) must run with
    // the default slack, as they do for a user.
    std::vector<LatencyResult> out;
    std::thread waiter([&] {
        out.push_back(measure(PacingMode::Exact, samples));
        out.push_back(measure(PacingMode::Classic, samples));
    });
    waiter.join();
    return out;
}

} // namespace throttlelab::bench
