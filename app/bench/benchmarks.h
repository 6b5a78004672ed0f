#pragma once
// ThrottleLab's benchmark suite: each function measures one property on real processes on
// the machine it runs on, and returns plain numbers. `throttlectl bench` runs them all and
// writes JSON, a Markdown table and (through throttlelab-benchplot) PNG plots.
#include "options.h"

#include <QJsonObject>
#include <QString>
#include <functional>
#include <vector>

namespace throttlelab::bench {

struct BenchSettings {
    bool quick = false; // a smoke run that ends in well under a minute
    int workers = 4;    // no-op worker processes for the accuracy sweep
    QStringList only;   // names of the parts to run (empty: all): micro, latency, cpu, window,
                        // ceilings, accuracy, sweep, fairness
    std::function<void(const QString& step, double fraction)> progress;
};

struct AccuracyPoint {
    double target_rate = 0;
    QString variant; // "exact", "classic", "classic calibrated"
    double achieved_rate = 0;
    double ratio = 0;
    double correction = 0;
    double seconds = 0;
    QString error;
};
std::vector<AccuracyPoint> accuracySweep(const BenchSettings& s);

// One throttle with saturated no-op workers: achieved/target, and how evenly the permits were
// shared (Jain's index: 1 when equal, 1/n when one worker had them all).
struct SharePoint {
    QString mode;
    double target_rate = 0;
    int workers = 0;
    double ratio = 0;
    double jain = 0;
    double min_share = 0, max_share = 0; // of the permits in the measured window
    QString error;
};
// exact mode, three rates a decade from 1/s to 1M/s, 1, 2, 4 and 8 worker processes.
std::vector<SharePoint> exactSweep(const BenchSettings& s);
// Both modes at 6/s, 300/s, 10k/s and 100k/s, 4 saturated workers.
std::vector<SharePoint> fairness(const BenchSettings& s);

struct WindowPoint {
    QString hardcap, mode, phase; // phase: steady, after idle, after restart
    long long max_n = 0;
    double per = 0;
    long long max_in_window = 0;
    long long windows_over = 0; // grants that ended a window holding more than max_n
    long long permits = 0;
};
std::vector<WindowPoint> windowCompliance(const BenchSettings& s);

struct LatencyResult {
    QString mode; // exact: the waiter's own timed wake; classic: the throttle process's futex wake
    int samples = 0;
    double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
    std::vector<double> samples_us;
};
std::vector<LatencyResult> wakeLatency(const BenchSettings& s);

struct CpuPoint {
    QString load; // idle, 10/s, 1k/s, 100k/s
    double rate = 0;
    double throttle_cores = 0, monitor_cores = 0; // CPU seconds per second of run
};
std::vector<CpuPoint> cpuCost(const BenchSettings& s);

struct Ceilings {
    double permits_per_s_2proc = 0;      // exact mode, 2 worker processes, no effective limit
    double permits_lost_fraction = 0;    // of their emissions, the share the ring could not take
    double emissions_per_s_flood = 0;    // no throttle: 2 processes emit as fast as they can
    double flood_lost_fraction = 0;      // of those, the share the monitor's ring could not take
    double lossless_emissions_per_s = 0; // the highest exact-mode rate with nothing lost
};
Ceilings ceilings(const BenchSettings& s);

struct MicroResult {
    QString name;
    double ns_per_op = 0;
};
// Runs the throttlelab-microbench executable (Google Benchmark), if it was built.
std::vector<MicroResult> microBenchmarks(const BenchSettings& s, QString* error);

struct Report {
    QString machine;
    QString started;
    bool quick = false;
    std::vector<AccuracyPoint> accuracy;
    std::vector<SharePoint> sweep;
    std::vector<SharePoint> fairness;
    std::vector<WindowPoint> window;
    std::vector<LatencyResult> latency;
    std::vector<CpuPoint> cpu;
    Ceilings ceiling;
    std::vector<MicroResult> micro;
    QString micro_error;
};
Report runAll(const BenchSettings& s);

QJsonObject toJson(const Report& r);
QString toMarkdown(const Report& r);
QString describeMachine();

} // namespace throttlelab::bench
