// The most permits in any sliding window of `per`, from the permit log, for each hardcap:
// in steady state, right after an idle period, and right after a restart.
#include "bench_support.h"
#include "benchmarks.h"
#include "pacer.h"
#include "permit_log.h"

#include <QTemporaryDir>
#include <algorithm>
#include <atomic>
#include <thread>

namespace throttlelab::bench {
namespace {

// Greedy consumers in this process, for `seconds`.
void consume(const QString& name, double seconds) {
    std::atomic<bool> done{false};
    std::vector<std::thread> pool;
    for (int i = 0; i < 2; ++i)
        pool.emplace_back([&] {
            QString error;
            auto c = ThrottleClient::attach(name, AttachAs::Observer, &error);
            while (c && !done)
                c->awaitFuel(std::chrono::milliseconds(20));
        });
    sleepSeconds(seconds);
    done = true;
    for (auto& t : pool)
        t.join();
}

} // namespace

std::vector<WindowPoint> windowCompliance(const BenchSettings& s) {
    std::vector<WindowPoint> out;
    const double phase = s.quick ? 0.6 : 1.5;
    const std::vector<std::pair<Hardcap, PacingMode>> cases{
        {Hardcap::Limit, PacingMode::Exact},   {Hardcap::One, PacingMode::Exact},
        {Hardcap::None, PacingMode::Exact},    {Hardcap::Window, PacingMode::Exact},
        {Hardcap::Limit, PacingMode::Classic}, {Hardcap::Window, PacingMode::Classic}};
    int done = 0;
    for (auto [hardcap, mode] : cases) {
        if (s.progress)
            s.progress(QStringLiteral("window %1 %2").arg(toString(hardcap), toString(mode)),
                       double(done++) / double(cases.size()));
        QTemporaryDir dir;
        ThrottleOptions o;
        o.name = benchName("window");
        o.config.max_n = 50;
        o.config.per = 0.5;
        o.config.hardcap = hardcap;
        o.config.mode = mode;
        o.auto_calibrate = false;
        o.log_path = dir.filePath("permits.csv");
        Throttle t(o);
        if (!t.start().isEmpty()) continue;
        const Nanos steady_from = monotonicNow();
        consume(o.name, phase);
        sleepSeconds(1.0); // idle: whatever the hardcap banks, it banks now
        const Nanos idle_end = monotonicNow();
        consume(o.name, phase);
        t.stop();
        t.start();
        const Nanos restart = monotonicNow();
        consume(o.name, phase);
        t.stop();
        const std::vector<Nanos> grants = readPermitLogGrants(o.log_path);
        const Nanos per_ns = fromSeconds(o.config.per);
        struct Phase {
            const char* name;
            Nanos from, to;
        };
        const Phase phases[] = {{"steady", steady_from, idle_end - kNanosPerSecond / 2},
                                {"after idle", idle_end, restart},
                                {"after restart", restart, monotonicNow()}};
        for (const Phase& ph : phases) {
            WindowPoint w;
            w.hardcap = toString(hardcap);
            w.mode = toString(mode);
            w.phase = QString::fromLatin1(ph.name);
            w.max_n = o.config.max_n;
            w.per = o.config.per;
            std::size_t lo = 0;
            for (std::size_t hi = 0; hi < grants.size(); ++hi) {
                while (grants[lo] + per_ns <= grants[hi])
                    ++lo;
                if (grants[hi] < ph.from || grants[hi] >= ph.to) continue;
                const long long in_window = (long long)(hi - lo + 1);
                ++w.permits;
                w.max_in_window = std::max(w.max_in_window, in_window);
                if (in_window > w.max_n) ++w.windows_over;
            }
            out.push_back(w);
        }
    }
    return out;
}

} // namespace throttlelab::bench
