// throttlectl bench-shared: a budget shared through Redis, measured on this machine. Each
// "machine" is a throttle of its own (its own segment, throttle process and worker
// processes) on one Redis key; the figures are what docs/performance.md reports.
#include "backend_url.h"
#include "bench_support.h"
#include "cli.h"
#include "cli_options.h"
#include "pacer.h"
#include "permit_log.h"
#include "redis_link.h"
#include "report.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <cstdio>
#include <memory>
#include <thread>

namespace throttlelab::cli {
namespace {

// The server's CPU time so far (user + system), from INFO cpu: what each permit costs it.
double redisCpuSeconds(const BackendUrl& url) {
    backend::RedisLink link;
    if (!link.connect(url, std::chrono::milliseconds(500))) return -1;
    const backend::RedisReply r = link.command({"INFO", "cpu"});
    if (!r.ok() || r.isError()) return -1;
    double total = 0;
    for (const QString& line : r.text().split(QStringLiteral("\r\n"))) {
        if (line.startsWith(QLatin1String("used_cpu_sys:")) ||
            line.startsWith(QLatin1String("used_cpu_user:")))
            total += line.section(u':', 1).toDouble();
    }
    return total;
}

struct Point {
    QString mode; // "exact" (GCRA with leases) or "window" (sliding log)
    double target = 0;
    int machines = 0;
    int workers = 0;
    double achieved = 0;
    long long max_in_window = -1; // -1: not logged (too many permits to log)
    double redis_cpu_us_per_permit = 0;
    double calls_per_permit = 0;
    QString error;
};

class Machines {
public:
    Machines(const QString& url, const QString& key)
        : url_(url)
        , key_(key) {}
    QString start(int machines, int workers, const ThrottleConfig& c, bool log) {
        for (int i = 0; i < machines; ++i) {
            ThrottleOptions o;
            o.name = bench::benchName("shared");
            o.config = c;
            o.auto_calibrate = false;
            o.backend_url =
                QStringLiteral("%1%2key=%3")
                    .arg(url_, url_.contains(u'?') ? QStringLiteral("&") : QStringLiteral("?"),
                         key_);
            if (log) o.log_path = dir_.filePath(o.name + QStringLiteral(".csv"));
            auto t = std::make_unique<Throttle>(o);
            if (QString e = t->start(); !e.isEmpty()) return e;
            auto pool = std::make_unique<bench::WorkerPool>(o.name);
            if (QString e = pool->start(workers); !e.isEmpty()) return e;
            throttles_.push_back(std::move(t));
            pools_.push_back(std::move(pool));
            logs_ << o.log_path;
        }
        return {};
    }
    // Stops every machine; the permits they took and the calls they made.
    std::pair<std::uint64_t, std::uint64_t> stop(double* runtime_s) {
        std::uint64_t granted = 0, calls = 0;
        double runtime = 0;
        for (auto& t : throttles_)
            t->setKillFlag();
        for (auto& p : pools_)
            p->finish();
        for (auto& t : throttles_) {
            calls += t->client().backendInfo().calls;
            const RunSummary r = t->stop();
            granted += r.total;
            runtime = std::max(runtime, r.runtime_s);
        }
        *runtime_s = runtime;
        return {granted, calls};
    }
    std::vector<Nanos> mergedLog() const {
        std::vector<Nanos> all;
        for (const QString& f : logs_) {
            if (f.isEmpty()) continue;
            const std::vector<Nanos> t = readPermitLogGrants(f);
            all.insert(all.end(), t.begin(), t.end());
        }
        std::sort(all.begin(), all.end());
        return all;
    }
    std::vector<std::unique_ptr<Throttle>>& throttles() { return throttles_; }

private:
    QString url_, key_;
    QTemporaryDir dir_;
    std::vector<std::unique_ptr<Throttle>> throttles_;
    std::vector<std::unique_ptr<bench::WorkerPool>> pools_;
    QStringList logs_;
};

Point measure(const QString& url_text, const BackendUrl& url, Hardcap hardcap, double target,
              int machines, int workers, double seconds) {
    Point p;
    p.mode = hardcap == Hardcap::Window ? QStringLiteral("window") : QStringLiteral("exact");
    p.target = target;
    p.machines = machines;
    p.workers = workers;
    ThrottleConfig c;
    c.max_n = (long long)target;
    c.per = 1.0;
    c.hardcap = hardcap;
    c.mode = PacingMode::Exact;
    // Logs only where they stay small (a merged log is how the window is checked).
    const bool log = target <= 20'000;
    Machines m(url_text, bench::benchName("budget"));
    const double cpu_before = redisCpuSeconds(url);
    if (QString e = m.start(machines, workers, c, log); !e.isEmpty()) {
        p.error = e;
        return p;
    }
    bench::sleepSeconds(seconds);
    double runtime = 0;
    const auto [granted, calls] = m.stop(&runtime);
    const double cpu_after = redisCpuSeconds(url);
    if (granted == 0 || runtime <= 0) {
        p.error = QStringLiteral("no permits");
        return p;
    }
    // The rate between the first and the last permit, so the machines' starts don't count.
    const std::vector<Nanos> all = m.mergedLog();
    if (all.size() > 2)
        p.achieved = double(all.size() - 1) / toSeconds(all.back() - all.front());
    else
        p.achieved = double(granted) / runtime;
    if (log) p.max_in_window = maxInAnyWindow(all.data(), all.size(), kNanosPerSecond);
    p.redis_cpu_us_per_permit = (cpu_after - cpu_before) * 1e6 / double(granted);
    p.calls_per_permit = double(calls) / double(granted);
    return p;
}

struct Latency {
    std::vector<double> us;
};

// An idle machine's waiter: nothing leased here, the budget has a permit. From the call to
// the grant: the throttle process is woken, asks Redis, and puts the permit in the tank.
Latency wakeLatency(const QString& url_text, int samples) {
    Latency l;
    ThrottleConfig c;
    c.max_n = 10;
    c.per = 1.0;
    c.hardcap = Hardcap::One;
    Machines m(url_text, bench::benchName("latency"));
    if (!m.start(1, 0, c, false).isEmpty()) return l;
    ThrottleClient& client = m.throttles().front()->client();
    client.awaitFuel(std::chrono::seconds(2));
    for (int i = 0; i < samples; ++i) {
        bench::sleepSeconds(0.12); // a permit is due again in the budget, none leased here
        const Nanos t0 = monotonicNow();
        if (client.awaitFuel(std::chrono::seconds(2)) != WaitResult::Granted) break;
        l.us.push_back(toSeconds(monotonicNow() - t0) * 1e6);
    }
    double runtime = 0;
    m.stop(&runtime);
    return l;
}

// A change on one machine until another runs under it.
Latency retuneLatency(const QString& url_text, int samples) {
    Latency l;
    ThrottleConfig c;
    c.max_n = 100;
    c.per = 1.0;
    Machines m(url_text, bench::benchName("retune"));
    if (!m.start(2, 0, c, false).isEmpty()) return l;
    bench::sleepSeconds(0.3);
    for (int i = 0; i < samples; ++i) {
        c.max_n = 100 + (i % 2 == 0 ? 50 : 0);
        const Nanos t0 = monotonicNow();
        m.throttles()[0]->setConfig(c);
        ThrottleClient& other = m.throttles()[1]->client();
        while (other.config().max_n != c.max_n && monotonicNow() - t0 < 2 * kNanosPerSecond)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        l.us.push_back(toSeconds(monotonicNow() - t0) * 1e6);
        bench::sleepSeconds(0.05);
    }
    double runtime = 0;
    m.stop(&runtime);
    return l;
}

QJsonObject toJson(const Point& p) {
    return {{"mode", p.mode},
            {"target_per_s", p.target},
            {"machines", p.machines},
            {"workers_per_machine", p.workers},
            {"achieved_per_s", p.achieved},
            {"achieved_over_target", p.target > 0 ? p.achieved / p.target : 0},
            {"max_in_any_window", double(p.max_in_window)},
            {"redis_cpu_us_per_permit", p.redis_cpu_us_per_permit},
            {"redis_calls_per_permit", p.calls_per_permit},
            {"error", p.error}};
}

QJsonObject toJson(const char* what, const Latency& l) {
    return {{"what", what},
            {"samples", int(l.us.size())},
            {"p50_us", bench::percentile(l.us, 50)},
            {"p90_us", bench::percentile(l.us, 90)},
            {"p99_us", bench::percentile(l.us, 99)},
            {"max_us", bench::percentile(l.us, 100)}};
}

} // namespace

int commandBenchShared(const QStringList& args) {
    const QString cmd = QStringLiteral("bench-shared");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Measures a budget shared through Redis on this machine: permits/s one machine takes "
        "in exact mode (leases) and window mode (a sliding log), achieved/target and the most "
        "permits in any window with 1, 2 and 4 machines, an idle waiter's wake-up latency "
        "through Redis, how long a retune takes to reach another machine, and Redis's CPU per "
        "permit. Prints one JSON object.");
    p.addOption({"backend", "The Redis to measure against (as throttlectl run --backend).", "URL"});
    p.addOption({"quick", "A smoke run: fewer points, shorter runs."});
    p.addOption({"json", "Also write the JSON to FILE.", "FILE"});
    if (QString e = parseCommand(p, args, 0); !e.isEmpty()) {
        printError(cmd, e + QStringLiteral("; see throttlectl bench-shared --help"));
        return kExitBadInput;
    }
    if (!p.isSet("backend")) {
        printError(cmd, QStringLiteral("--backend is required (redis://HOST:PORT or "
                                       "redis+unix:///PATH)"));
        return kExitBadInput;
    }
    QString error;
    const auto url = BackendUrl::parse(p.value("backend"), &error);
    if (!url) {
        printError(cmd, QStringLiteral("--backend ") + error);
        return kExitBadInput;
    }
    if (!url->key.isEmpty()) {
        printError(cmd, QStringLiteral("--backend must not name a key: each measurement uses "
                                       "a fresh one"));
        return kExitBadInput;
    }
    if (redisCpuSeconds(*url) < 0) {
        backend::RedisLink link;
        link.connect(*url, std::chrono::milliseconds(500));
        printError(cmd, link.error().isEmpty() ? QStringLiteral("Redis refused INFO cpu")
                                               : link.error());
        return kExitFailure;
    }
    const bool quick = p.isSet("quick");
    const double seconds = quick ? 1.5 : 4.0;
    const QString u = p.value("backend");
    QJsonArray points;
    auto progress = [](const QString& what) {
        std::fprintf(stderr, "bench-shared: %s\n", qPrintable(what));
    };
    // The ceilings: one machine, far more wanted than it can get.
    progress(QStringLiteral("ceilings"));
    points.append(toJson(measure(u, *url, Hardcap::Limit, 1e8, 1, 2, seconds)));
    points.append(toJson(measure(u, *url, Hardcap::Window, 65536, 1, 2, seconds)));
    // The decades and the points between them, with 1 to 8 machines: a claim over a range
    // is measured across it, not at its landmarks.
    const std::vector<double> targets =
        quick ? std::vector<double>{1000}
              : std::vector<double>{100, 300, 1000, 3000, 10'000, 30'000, 50'000};
    const std::vector<int> machine_counts =
        quick ? std::vector<int>{2} : std::vector<int>{1, 2, 4, 8};
    for (Hardcap h : {Hardcap::Limit, Hardcap::Window})
        for (double t : targets) {
            if (h == Hardcap::Window && t > 10'000) continue; // past one machine's ceiling
            for (int n : machine_counts) {
                progress(QStringLiteral("%1 %2/s, %3 machine(s)")
                             .arg(h == Hardcap::Window ? "window" : "exact")
                             .arg(t)
                             .arg(n));
                points.append(toJson(measure(u, *url, h, t, n, 1, seconds)));
            }
        }
    progress(QStringLiteral("wake-up latency"));
    const Latency wake = wakeLatency(u, quick ? 20 : 150);
    progress(QStringLiteral("retune latency"));
    const Latency retune = retuneLatency(u, quick ? 10 : 40);
    const QJsonObject out{
        {"points", points},
        {"wake_latency", toJson("idle waiter to grant through Redis", wake)},
        {"retune_latency", toJson("a change on one machine until another has it", retune)}};
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Indented);
    if (p.isSet("json") && !writeFile(p.value("json"), json, &error)) {
        printError(cmd, error);
        return kExitFailure;
    }
    std::fputs(json.constData(), stdout);
    return kExitOk;
}

} // namespace throttlelab::cli
