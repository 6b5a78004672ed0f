#pragma once
// The soak run (not in CI): a throttle with worker processes, one of them SIGKILLed every
// second and replaced, for minutes; every few seconds the throttle or monitor process is
// SIGKILLed or SIGSTOPped too, and the owner's supervision must notice and replace it. It
// reports whether the rate held, whether permits were conserved, whether the statistics
// kept moving, and whether memory or file descriptors grew.
#include <QJsonObject>
#include <functional>

namespace throttlelab::bench {

struct SoakSettings {
    double seconds = 600;
    long long max_n = 1000;
    int workers = 4;
    bool helper_faults = true; // also kill and stop the throttle and monitor processes
    std::function<void(double fraction, const QString& line)> progress;
};

struct SoakResult {
    QString error;
    double seconds = 0;
    int kills = 0;
    double target_rate = 0;
    double min_window_ratio = 0, max_window_ratio = 0; // achieved/target over each 10 s
    double overall_ratio = 0;
    std::uint64_t granted = 0, counted = 0, overflow = 0, abandoned = 0;
    int helper_kills = 0, helper_stops = 0;               // faults done to the helpers
    std::uint64_t helper_restarts = 0, helper_stalls = 0; // what supervision saw and replaced
    double longest_stats_freeze_s = 0; // most time the counted total stood still while permits
                                       // were granted
    int stats_regressions = 0;         // samples where the counted total went backwards
    long long rss_kb_start = 0, rss_kb_end = 0;     // throttle + monitor + this process
    long long anon_kb_start = 0, anon_kb_end = 0;   // of which private
    long long shmem_kb_start = 0, shmem_kb_end = 0; // of which the shared segment's pages
    long long fds_start = 0, fds_end = 0;           // the same three processes
    std::uint64_t reclaimed_slots = 0;
};

SoakResult soak(const SoakSettings& s);
QJsonObject toJson(const SoakResult& r);

} // namespace throttlelab::bench
