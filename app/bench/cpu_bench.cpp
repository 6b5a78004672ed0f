// CPU time of the throttle and monitor processes per second of run, by load.
#include "bench_support.h"
#include "benchmarks.h"

namespace throttlelab::bench {

std::vector<CpuPoint> cpuCost(const BenchSettings& s) {
    const std::vector<std::pair<QString, double>> loads{
        {"idle", 10}, {"10/s", 10}, {"1k/s", 1000}, {"10k/s", 10000}, {"100k/s", 100000}};
    std::vector<CpuPoint> out;
    int done = 0;
    for (const auto& [label, rate] : loads) {
        if (s.progress)
            s.progress(QStringLiteral("cpu %1").arg(label), double(done++) / double(loads.size()));
        CpuPoint p;
        p.load = label;
        p.rate = label == u"idle" ? 0 : rate;
        ThrottleOptions o;
        o.name = benchName("cpu");
        o.config.max_n = (long long)rate;
        o.config.per = 1.0;
        o.auto_calibrate = false;
        Throttle t(o);
        if (!t.start().isEmpty()) continue;
        WorkerPool pool(o.name);
        if (label != u"idle") pool.start(2);
        sleepSeconds(0.6);
        const RunInfo before = t.client().runInfo();
        const Nanos t0 = monotonicNow();
        sleepSeconds(s.quick ? 1.5 : 5.0);
        const RunInfo after = t.client().runInfo();
        const Nanos t1 = monotonicNow();
        p.throttle_cores = double(after.throttle_cpu_ns - before.throttle_cpu_ns) / double(t1 - t0);
        p.monitor_cores = double(after.monitor_cpu_ns - before.monitor_cpu_ns) / double(t1 - t0);
        t.setKillFlag();
        pool.finish();
        t.stop();
        out.push_back(p);
    }
    return out;
}

} // namespace throttlelab::bench
