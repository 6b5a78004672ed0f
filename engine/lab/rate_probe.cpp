#include "rate_probe.h"

#include "throttle.h"

#include <thread>
#include <unistd.h>
#include <vector>

namespace throttlelab {

RateProbeResult probeRate(const ThrottleConfig& config, double seconds, int consumers,
                          const std::atomic<bool>* cancel) {
    RateProbeResult r;
    static std::atomic<int> counter{0};
    ThrottleOptions o;
    o.name = QStringLiteral("probe-%1-%2").arg(getpid()).arg(counter.fetch_add(1));
    o.config = config;
    o.as_monitor = false; // counting grants is enough, and keeps the probe's own cost low
    o.auto_calibrate = false;
    o.correction_given = true;
    r.target_rate = config.targetRate();
    if (QString e = validateOptions(o); !e.isEmpty()) {
        r.error = e;
        return r;
    }
    Throttle throttle(o);
    if (QString e = throttle.start(); !e.isEmpty()) {
        r.error = e;
        return r;
    }
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < std::max(1, consumers); ++i)
        threads.emplace_back([&] {
            QString error;
            auto client = ThrottleClient::attach(o.name, AttachAs::Observer, &error);
            if (!client) return;
            while (!done.load(std::memory_order_relaxed))
                if (client->awaitFuel(std::chrono::milliseconds(50)) == WaitResult::Killed) break;
        });
    // Measured after a short settling time, so start-up does not count.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::uint64_t g0 = throttle.client().granted();
    const Nanos t0 = monotonicNow();
    const Nanos end = t0 + fromSeconds(seconds);
    while (monotonicNow() < end && !(cancel && cancel->load()))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::uint64_t g1 = throttle.client().granted();
    r.seconds = toSeconds(monotonicNow() - t0);
    done = true;
    throttle.setKillFlag();
    for (auto& t : threads)
        t.join();
    throttle.stop();
    r.permits = g1 - g0;
    r.achieved_rate = r.seconds > 0 ? double(r.permits) / r.seconds : 0;
    return r;
}

} // namespace throttlelab
