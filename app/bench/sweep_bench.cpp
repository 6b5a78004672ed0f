// Exact mode over the whole range (three rates a decade from 1/s to 1M/s, each with 1, 2, 4
// and 8 worker processes), and the fairness of the share between saturated workers in both
// modes. The decades alone once hid a collapse between 20k/s and 50k/s.
#include "bench_support.h"
#include "benchmarks.h"
#include "counter_rate.h"

#include <algorithm>
#include <map>

namespace throttlelab::bench {
namespace {

std::map<qint64, std::uint64_t> grantsByWorker(const ThrottleClient& c) {
    std::map<qint64, std::uint64_t> out;
    for (const WorkerInfo& w : c.workers())
        out[w.pid] = w.grants;
    return out;
}

SharePoint measure(PacingMode mode, double rate, int workers, double seconds) {
    SharePoint p;
    p.mode = toString(mode);
    p.target_rate = rate;
    p.workers = workers;
    ThrottleOptions o;
    o.name = benchName("sweep");
    // Whole permits per second where possible; below 1/s nothing is swept.
    o.config.max_n = std::max<long long>(1, (long long)rate);
    o.config.per = double(o.config.max_n) / rate;
    o.config.hardcap = Hardcap::Limit;
    o.config.mode = mode;
    o.auto_calibrate = false;
    o.correction_given = true;
    Throttle t(o);
    if (QString e = t.start(); !e.isEmpty()) {
        p.error = e;
        return p;
    }
    WorkerPool pool(o.name);
    if (QString e = pool.start(workers); !e.isEmpty()) {
        p.error = e;
        return p;
    }
    // Every worker attached and waiting: the share is measured between saturated workers.
    for (int i = 0; i < 500 && int(t.client().workers().size()) < workers; ++i)
        sleepSeconds(0.01);
    sleepSeconds(0.3);
    const std::map<qint64, std::uint64_t> before = grantsByWorker(t.client());
    const CounterRate watched =
        watchCounter([&] { return t.client().granted(); }, seconds, 200 * kNanosPerMicro);
    const std::map<qint64, std::uint64_t> after = grantsByWorker(t.client());
    t.setKillFlag();
    pool.finish();
    t.stop();
    p.ratio = watched.rate() / rate;
    std::vector<double> shares;
    for (const auto& [pid, grants] : after)
        if (before.count(pid)) shares.push_back(double(grants - before.at(pid)));
    double sum = 0, squares = 0;
    for (double x : shares) {
        sum += x;
        squares += x * x;
    }
    if (!shares.empty() && squares > 0) {
        p.jain = sum * sum / (double(shares.size()) * squares);
        p.min_share = *std::min_element(shares.begin(), shares.end()) / sum;
        p.max_share = *std::max_element(shares.begin(), shares.end()) / sum;
    }
    return p;
}

double secondsFor(double rate, bool quick) {
    if (quick) return 1.0;
    return rate <= 2 ? 6.0 : rate <= 20 ? 3.0 : 2.0;
}

} // namespace

std::vector<SharePoint> exactSweep(const BenchSettings& s) {
    std::vector<double> rates;
    std::vector<int> counts;
    if (s.quick) {
        // Inside the band where the collapse was, so a regression shows in CI.
        rates = {20000, 50000};
        counts = {2, 4};
    } else {
        for (double decade = 1; decade <= 100000; decade *= 10)
            for (double step : {1.0, 2.0, 5.0})
                rates.push_back(step * decade);
        rates.push_back(1000000);
        counts = {1, 2, 4, 8};
    }
    std::vector<SharePoint> out;
    int done = 0;
    for (double rate : rates)
        for (int w : counts) {
            if (s.progress)
                s.progress(QStringLiteral("sweep %1/s with %2 worker(s)").arg(rate).arg(w),
                           double(done++) / double(rates.size() * counts.size()));
            out.push_back(measure(PacingMode::Exact, rate, w, secondsFor(rate, s.quick)));
        }
    return out;
}

std::vector<SharePoint> fairness(const BenchSettings& s) {
    const std::vector<double> rates =
        s.quick ? std::vector<double>{300} : std::vector<double>{6, 300, 10000, 100000};
    std::vector<SharePoint> out;
    int done = 0;
    for (PacingMode mode : {PacingMode::Exact, PacingMode::Classic})
        for (double rate : rates) {
            if (s.progress)
                s.progress(QStringLiteral("fairness %1 at %2/s").arg(toString(mode)).arg(rate),
                           double(done++) / double(2 * rates.size()));
            // At 6/s a share needs time to be a share: 8 s is 12 permits per worker.
            out.push_back(measure(mode, rate, 4, s.quick ? 1.0 : rate < 10 ? 8.0 : 3.0));
        }
    return out;
}

} // namespace throttlelab::bench
