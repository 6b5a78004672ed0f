// Running the whole suite, and writing what it measured as JSON and Markdown.
#include "benchmarks.h"
#include "executable_lookup.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSysInfo>
#include <map>
#include <thread>

namespace throttlelab::bench {

QString describeMachine() {
    QString cpu;
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (f.open(QIODevice::ReadOnly))
        for (const QByteArray& line : f.readAll().split('\n'))
            if (line.startsWith("model name")) {
                cpu = QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
                break;
            }
    return QStringLiteral("%1 cores (%2), %3, kernel %4, Qt %5")
        .arg(std::thread::hardware_concurrency())
        .arg(cpu.isEmpty() ? QStringLiteral("unknown CPU") : cpu, QSysInfo::prettyProductName(),
             QSysInfo::kernelVersion(), QString::fromLatin1(qVersion()));
}

std::vector<MicroResult> microBenchmarks(const BenchSettings& s, QString* error) {
    std::vector<MicroResult> out;
    const QString exe = findExecutable(QStringLiteral("throttlelab-microbench"));
    if (exe.isEmpty()) {
        *error = QStringLiteral("throttlelab-microbench was not built (needs libbenchmark-dev)");
        return out;
    }
    if (s.progress) s.progress(QStringLiteral("micro-benchmarks"), 0);
    QProcess p;
    p.start(exe, {"--benchmark_format=json",
                  s.quick ? "--benchmark_min_time=0.05" : "--benchmark_min_time=0.5",
                  "--benchmark_repetitions=" + QString::number(s.quick ? 1 : 5),
                  "--benchmark_report_aggregates_only=" + QString(s.quick ? "false" : "true")});
    p.waitForFinished(300000);
    const QJsonArray benches =
        QJsonDocument::fromJson(p.readAllStandardOutput()).object()["benchmarks"].toArray();
    for (const QJsonValue& v : benches) {
        const QJsonObject b = v.toObject();
        if (!s.quick && b["aggregate_name"].toString() != u"median") continue;
        out.push_back({b["run_name"].toString(b["name"].toString()), b["real_time"].toDouble()});
    }
    if (out.empty()) *error = QStringLiteral("throttlelab-microbench printed no results");
    return out;
}

Report runAll(const BenchSettings& s) {
    Report r;
    r.machine = describeMachine();
    r.started = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    r.quick = s.quick;
    auto wanted = [&s](const char* part) {
        return s.only.isEmpty() || s.only.contains(QLatin1String(part));
    };
    if (wanted("micro")) r.micro = microBenchmarks(s, &r.micro_error);
    if (wanted("latency")) r.latency = wakeLatency(s);
    if (wanted("cpu")) r.cpu = cpuCost(s);
    if (wanted("window")) r.window = windowCompliance(s);
    if (wanted("ceilings")) r.ceiling = ceilings(s);
    if (wanted("accuracy")) r.accuracy = accuracySweep(s);
    if (wanted("sweep")) r.sweep = exactSweep(s);
    if (wanted("fairness")) r.fairness = fairness(s);
    return r;
}

QJsonObject toJson(const Report& r) {
    QJsonArray accuracy, window, latency, cpu, micro;
    auto shares = [](const std::vector<SharePoint>& points) {
        QJsonArray a;
        for (const SharePoint& p : points)
            a.append(QJsonObject{{"mode", p.mode},
                                 {"target_rate", p.target_rate},
                                 {"workers", p.workers},
                                 {"ratio", p.ratio},
                                 {"jain", p.jain},
                                 {"min_share", p.min_share},
                                 {"max_share", p.max_share},
                                 {"error", p.error}});
        return a;
    };
    for (const AccuracyPoint& p : r.accuracy)
        accuracy.append(QJsonObject{{"target_rate", p.target_rate},
                                    {"variant", p.variant},
                                    {"achieved_rate", p.achieved_rate},
                                    {"ratio", p.ratio},
                                    {"correction", p.correction},
                                    {"seconds", p.seconds},
                                    {"error", p.error}});
    for (const WindowPoint& w : r.window)
        window.append(QJsonObject{{"hardcap", w.hardcap},
                                  {"mode", w.mode},
                                  {"phase", w.phase},
                                  {"max_n", double(w.max_n)},
                                  {"per", w.per},
                                  {"max_in_window", double(w.max_in_window)},
                                  {"windows_over", double(w.windows_over)},
                                  {"permits", double(w.permits)}});
    for (const LatencyResult& l : r.latency) {
        QJsonArray samples;
        for (double v : l.samples_us)
            samples.append(v);
        latency.append(QJsonObject{{"mode", l.mode},
                                   {"samples", l.samples},
                                   {"p50_us", l.p50_us},
                                   {"p90_us", l.p90_us},
                                   {"p99_us", l.p99_us},
                                   {"max_us", l.max_us},
                                   {"samples_us", samples}});
    }
    for (const CpuPoint& c : r.cpu)
        cpu.append(QJsonObject{{"load", c.load},
                               {"rate", c.rate},
                               {"throttle_cores", c.throttle_cores},
                               {"monitor_cores", c.monitor_cores},
                               {"total_cores", c.throttle_cores + c.monitor_cores}});
    for (const MicroResult& m : r.micro)
        micro.append(QJsonObject{{"name", m.name}, {"ns_per_op", m.ns_per_op}});
    return {
        {"machine", r.machine},
        {"started", r.started},
        {"quick", r.quick},
        {"accuracy", accuracy},
        {"sweep", shares(r.sweep)},
        {"fairness", shares(r.fairness)},
        {"window", window},
        {"latency", latency},
        {"cpu", cpu},
        {"ceilings", QJsonObject{{"permits_per_s_2proc", r.ceiling.permits_per_s_2proc},
                                 {"permits_lost_fraction", r.ceiling.permits_lost_fraction},
                                 {"emissions_per_s_flood", r.ceiling.emissions_per_s_flood},
                                 {"flood_lost_fraction", r.ceiling.flood_lost_fraction},
                                 {"lossless_emissions_per_s", r.ceiling.lossless_emissions_per_s}}},
        {"micro", micro},
        {"micro_error", r.micro_error}};
}

QString toMarkdown(const Report& r) {
    QString md;
    md += QStringLiteral("Machine: %1. Run %2%3.\n\n")
              .arg(r.machine, r.started, r.quick ? " (--quick)" : "");
    md += QStringLiteral(
        "### Accuracy: achieved/target, 4 no-op worker processes, hardcap limit\n\n");
    md += QStringLiteral("| target/s | exact | classic, correction 0 | classic, calibrated "
                         "(correction) |\n|---|---|---|---|\n");
    for (std::size_t i = 0; i < r.accuracy.size(); i += 3) { // rows of exact, classic, calibrated
        auto cell = [&](std::size_t k) {
            if (k >= r.accuracy.size()) return QStringLiteral("-");
            const AccuracyPoint& p = r.accuracy[k];
            if (!p.error.isEmpty()) return QStringLiteral("error: ") + p.error;
            return QString::number(p.ratio, 'f', 4);
        };
        const QString cal = i + 2 < r.accuracy.size()
                                ? QStringLiteral("%1 (%2)")
                                      .arg(cell(i + 2))
                                      .arg(r.accuracy[i + 2].correction, 0, 'f', 3)
                                : QStringLiteral("-");
        md += QStringLiteral("| %1 | %2 | %3 | %4 |\n")
                  .arg(r.accuracy[i].target_rate, 0, 'g', 7)
                  .arg(cell(i), cell(i + 1), cal);
    }
    if (!r.sweep.empty()) {
        md += QStringLiteral(
            "\n### Exact mode across the range: achieved/target (Jain's index "
            "of the share), hardcap limit, no-op worker processes\n\n| target/s "
            "| 1 worker | 2 workers | 4 workers | 8 workers |\n|---|---|---|---|---|\n");
        std::map<double, std::map<int, const SharePoint*>> rows;
        for (const SharePoint& p : r.sweep)
            rows[p.target_rate][p.workers] = &p;
        for (const auto& [rate, by_workers] : rows) {
            md += QStringLiteral("| %1 |").arg(rate, 0, 'g', 7);
            for (int w : {1, 2, 4, 8}) {
                const auto it = by_workers.find(w);
                if (it == by_workers.end())
                    md += QStringLiteral(" - |");
                else if (!it->second->error.isEmpty())
                    md += QStringLiteral(" error: %1 |").arg(it->second->error);
                else if (w == 1)
                    md += QStringLiteral(" %1 |").arg(it->second->ratio, 0, 'f', 4);
                else
                    md += QStringLiteral(" %1 (%2) |")
                              .arg(it->second->ratio, 0, 'f', 4)
                              .arg(it->second->jain, 0, 'f', 3);
            }
            md += u'\n';
        }
    }
    if (!r.fairness.empty()) {
        md += QStringLiteral("\n### Fairness: 4 saturated no-op workers\n\n| mode | target/s | "
                             "Jain's index | smallest share | largest share | achieved/target "
                             "|\n|---|---|---|---|---|---|\n");
        for (const SharePoint& p : r.fairness)
            md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                      .arg(p.mode)
                      .arg(p.target_rate, 0, 'g', 7)
                      .arg(p.jain, 0, 'f', 4)
                      .arg(p.min_share, 0, 'f', 3)
                      .arg(p.max_share, 0, 'f', 3)
                      .arg(p.ratio, 0, 'f', 4);
    }
    md += QStringLiteral("\n### Window compliance: most permits in any window of `per` (max_n 50, "
                         "per 0.5 s), from the permit log\n\n");
    md += QStringLiteral("| hardcap | mode | phase | most in a window | windows above max_n | "
                         "permits |\n|---|---|---|---|---|---|\n");
    for (const WindowPoint& w : r.window)
        md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                  .arg(w.hardcap, w.mode, w.phase)
                  .arg(w.max_in_window)
                  .arg(w.windows_over)
                  .arg(w.permits);
    md += QStringLiteral("\n### Wake-up latency of a blocked waiter (taken - available)\n\n| mode "
                         "| samples | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|\n");
    for (const LatencyResult& l : r.latency)
        md += QStringLiteral("| %1 | %2 | %3 us | %4 us | %5 us | %6 us |\n")
                  .arg(l.mode)
                  .arg(l.samples)
                  .arg(l.p50_us, 0, 'f', 1)
                  .arg(l.p90_us, 0, 'f', 1)
                  .arg(l.p99_us, 0, 'f', 1)
                  .arg(l.max_us, 0, 'f', 1);
    md +=
        QStringLiteral("\n### CPU of the throttle and monitor processes (share of one core), exact "
                       "mode\n\n| load | throttle | monitor | together |\n|---|---|---|---|\n");
    for (const CpuPoint& c : r.cpu)
        md += QStringLiteral("| %1 | %2% | %3% | %4% |\n")
                  .arg(c.load)
                  .arg(c.throttle_cores * 100, 0, 'f', 2)
                  .arg(c.monitor_cores * 100, 0, 'f', 2)
                  .arg((c.throttle_cores + c.monitor_cores) * 100, 0, 'f', 2);
    md += QStringLiteral("\n### Ceilings\n\n| what | value |\n|---|---|\n");
    md += QStringLiteral("| permits/s sustained, exact mode, 2 worker processes | %1 (%2% of "
                         "their emissions lost to a full ring, counted) |\n")
              .arg(r.ceiling.permits_per_s_2proc, 0, 'f', 0)
              .arg(r.ceiling.permits_lost_fraction * 100, 0, 'f', 2);
    md += QStringLiteral("| emissions/s offered by 2 unthrottled processes | %1 (%2% lost to a "
                         "full ring, counted) |\n")
              .arg(r.ceiling.emissions_per_s_flood, 0, 'f', 0)
              .arg(r.ceiling.flood_lost_fraction * 100, 0, 'f', 2);
    md += QStringLiteral("| highest rate granted with no emission lost | %1/s |\n")
              .arg(r.ceiling.lossless_emissions_per_s, 0, 'f', 0);
    md += QStringLiteral(
        "\n### Micro-benchmarks (Google Benchmark, median)\n\n| operation | ns |\n|---|---|\n");
    for (const MicroResult& m : r.micro)
        md += QStringLiteral("| %1 | %2 |\n").arg(m.name).arg(m.ns_per_op, 0, 'f', 1);
    if (!r.micro_error.isEmpty())
        md += QStringLiteral("\n(micro-benchmarks: %1)\n").arg(r.micro_error);
    return md;
}

} // namespace throttlelab::bench
