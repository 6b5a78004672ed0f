// Achieved/target over a sweep of rates, for exact mode and for classic mode with correction
// 0 and calibrated.
#include "bench_support.h"
#include "benchmarks.h"
#include "counter_rate.h"

#include <thread>

namespace throttlelab::bench {
namespace {

AccuracyPoint measure(double rate, const QString& variant, const BenchSettings& s) {
    AccuracyPoint p;
    p.target_rate = rate;
    p.variant = variant;
    ThrottleOptions o;
    o.name = benchName("accuracy");
    o.config.max_n = (long long)rate;
    o.config.per = 1.0;
    o.config.hardcap = Hardcap::Limit;
    o.config.mode = variant == u"exact" ? PacingMode::Exact : PacingMode::Classic;
    o.auto_calibrate = false;
    if (variant == u"classic calibrated") {
        CalibrationRequest req;
        req.max_n = o.config.max_n;
        req.per = 1.0;
        req.duration_s = s.quick ? 0.6 : 2.0;
        req.rounds = s.quick ? 3 : 4;
        req.consumers = s.workers;
        const CalibrationResult cal = calibrate(req);
        if (!cal.error.isEmpty()) {
            p.error = cal.error;
            return p;
        }
        o.config.correction = cal.correction;
    }
    p.correction = o.config.correction;
    Throttle t(o);
    if (QString e = t.start(); !e.isEmpty()) {
        p.error = e;
        return p;
    }
    WorkerPool pool(o.name);
    if (QString e = pool.start(s.workers); !e.isEmpty()) {
        p.error = e;
        return p;
    }
    sleepSeconds(0.3); // workers attached, steady state
    const double seconds = rate <= 1    ? (s.quick ? 3.0 : 8.0)
                           : rate <= 10 ? (s.quick ? 1.5 : 4.0)
                                        : (s.quick ? 1.0 : 3.0);
    const CounterRate watched =
        watchCounter([&] { return t.client().granted(); }, seconds, 500 * kNanosPerMicro);
    p.achieved_rate = watched.rate();
    p.seconds = watched.seconds;
    p.ratio = p.achieved_rate / rate;
    t.setKillFlag();
    pool.finish();
    t.stop();
    return p;
}

} // namespace

std::vector<AccuracyPoint> accuracySweep(const BenchSettings& s) {
    const std::vector<double> rates =
        s.quick ? std::vector<double>{10, 1000, 100000}
                : std::vector<double>{1, 10, 100, 1000, 5000, 10000, 100000, 1000000};
    const QStringList variants{"exact", "classic", "classic calibrated"};
    std::vector<AccuracyPoint> out;
    int done = 0;
    for (double rate : rates)
        for (const QString& v : variants) {
            if (s.progress)
                s.progress(QStringLiteral("accuracy %1 at %2/s").arg(v).arg(rate),
                           double(done++) / double(rates.size() * variants.size()));
            out.push_back(measure(rate, v, s));
        }
    return out;
}

} // namespace throttlelab::bench
