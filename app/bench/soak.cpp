#include "soak.h"

#include "bench_support.h"

#include <QDir>
#include <QFile>
#include <csignal>
#include <cstring>
#include <random>
#include <thread>

namespace throttlelab::bench {
namespace {

// A field of /proc/PID/status in kB. RssAnon is the process's private memory (where a leak
// shows); RssShmem counts the shared segment's pages as a process first touches them, which
// grows once the rings have wrapped and says nothing about leaks.
long long statusKb(qint64 pid, const char* field) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(qsizetype(std::strlen(field)))
                .trimmed()
                .split(' ')
                .value(0)
                .toLongLong();
    return 0;
}

long long fdCount(qint64 pid) {
    return QDir(QStringLiteral("/proc/%1/fd").arg(pid))
        .entryList(QDir::NoDotAndDotDot | QDir::AllEntries)
        .size();
}

struct Footprint {
    long long rss = 0, anon = 0, shmem = 0, fds = 0;
};

Footprint footprint(const RunInfo& info) {
    Footprint f;
    for (qint64 pid : {info.throttle_pid, info.monitor_pid, qint64(getpid())}) {
        f.rss += statusKb(pid, "VmRSS:");
        f.anon += statusKb(pid, "RssAnon:");
        f.shmem += statusKb(pid, "RssShmem:");
        f.fds += fdCount(pid);
    }
    return f;
}

} // namespace

SoakResult soak(const SoakSettings& s) {
    SoakResult r;
    ThrottleOptions o;
    o.name = benchName("soak");
    o.config.max_n = s.max_n;
    o.config.per = 1.0;
    o.auto_calibrate = false;
    r.target_rate = o.config.targetRate();
    Throttle t(o);
    if (QString e = t.start(); !e.isEmpty()) {
        r.error = e;
        return r;
    }
    const QString exe = findExecutable(QStringLiteral("throttle-worker"));
    ProcessSupervisor supervisor;
    std::vector<ProcessId> workers;
    auto spawn = [&] {
        const ProcessId id = supervisor.launch(
            ProcessSpec::of(QStringLiteral("worker"), exe, {QStringLiteral("--name"), o.name}));
        if (supervisor.isRunning(id)) workers.push_back(id);
    };
    for (int i = 0; i < s.workers; ++i)
        spawn();
    sleepSeconds(1.0);
    ThrottleClient& client = t.client();
    const Footprint start = footprint(client.runInfo());
    r.rss_kb_start = start.rss;
    r.anon_kb_start = start.anon;
    r.shmem_kb_start = start.shmem;
    r.fds_start = start.fds;
    std::mt19937 rng(42);
    const Nanos t0 = monotonicNow();
    const std::uint64_t g0 = client.runInfo().granted;
    Nanos window_start = t0;
    std::uint64_t window_granted = g0;
    r.min_window_ratio = 1e9;
    Nanos next_second = t0 + kNanosPerSecond;
    int second = 0;
    // Continuity: the counted total is sampled every 50 ms; it may stand still only while a
    // monitor is being replaced.
    std::uint64_t last_counted = t.stats().total;
    Nanos counted_moved_at = t0;
    while (monotonicNow() - t0 < fromSeconds(s.seconds)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        t.superviseHelpers();
        const Nanos sample = monotonicNow();
        const std::uint64_t counted = t.stats().total;
        if (counted < last_counted) ++r.stats_regressions;
        if (counted != last_counted) {
            last_counted = counted;
            counted_moved_at = sample;
        }
        r.longest_stats_freeze_s =
            std::max(r.longest_stats_freeze_s, toSeconds(sample - counted_moved_at));
        if (sample < next_second) continue;
        next_second += kNanosPerSecond;
        ++second;
        // A crash in front of the class: the worker dies wherever it is, its slot with it.
        if (!workers.empty()) {
            const std::size_t victim = rng() % workers.size();
            supervisor.kill(workers[victim]);
            supervisor.waitForExit({workers[victim]}, std::chrono::seconds(1));
            supervisor.forget(workers[victim]);
            workers.erase(workers.begin() + std::ptrdiff_t(victim));
            ++r.kills;
            spawn();
        }
        // Every 7 s, one helper fault: killed or stopped, the throttle or the monitor,
        // whatever it is doing at that instant.
        if (s.helper_faults && second % 7 == 0) {
            const RunInfo info = client.runInfo();
            const bool monitor = rng() % 2 == 0;
            const bool stop = rng() % 2 == 0;
            const qint64 pid = monitor ? info.monitor_pid : info.throttle_pid;
            if (pid > 0 && ::kill(pid_t(pid), stop ? SIGSTOP : SIGKILL) == 0)
                ++(stop ? r.helper_stops : r.helper_kills);
        }
        const Nanos now = monotonicNow();
        if (now - window_start >= 10 * kNanosPerSecond) {
            const std::uint64_t g = client.runInfo().granted;
            const double ratio =
                double(g - window_granted) / toSeconds(now - window_start) / r.target_rate;
            r.min_window_ratio = std::min(r.min_window_ratio, ratio);
            r.max_window_ratio = std::max(r.max_window_ratio, ratio);
            window_start = now;
            window_granted = g;
            if (s.progress)
                s.progress(toSeconds(now - t0) / s.seconds,
                           QStringLiteral("%1 s: %2 worker kills, %3 helper kills, %4 helper "
                                          "stops, last 10 s at %5 of target")
                               .arg(toSeconds(now - t0), 0, 'f', 0)
                               .arg(r.kills)
                               .arg(r.helper_kills)
                               .arg(r.helper_stops)
                               .arg(ratio, 0, 'f', 4));
        }
    }
    const RunInfo end_info = client.runInfo();
    r.seconds = toSeconds(monotonicNow() - t0);
    r.overall_ratio = double(end_info.granted - g0) / r.seconds / r.target_rate;
    const Footprint end = footprint(end_info);
    r.rss_kb_end = end.rss;
    r.anon_kb_end = end.anon;
    r.shmem_kb_end = end.shmem;
    r.fds_end = end.fds;
    t.setKillFlag();
    supervisor.endAll(std::chrono::seconds(2));
    supervisor.waitForAllExited(std::chrono::seconds(4));
    t.stop();
    const RunInfo final_info = client.runInfo();
    r.granted = final_info.granted;
    r.counted = t.stats().total;
    r.overflow = final_info.overflow;
    r.abandoned = final_info.abandoned;
    r.helper_restarts = final_info.helper_restarts;
    r.helper_stalls = final_info.helper_stalls;
    r.reclaimed_slots = final_info.reclaimed_worker_slots;
    if (r.min_window_ratio > 1e8) r.min_window_ratio = r.max_window_ratio = r.overall_ratio;
    return r;
}

QJsonObject toJson(const SoakResult& r) {
    return {{"error", r.error},
            {"seconds", r.seconds},
            {"kills", r.kills},
            {"target_rate", r.target_rate},
            {"overall_ratio", r.overall_ratio},
            {"min_10s_ratio", r.min_window_ratio},
            {"max_10s_ratio", r.max_window_ratio},
            {"granted", double(r.granted)},
            {"counted", double(r.counted)},
            {"granted_minus_counted", double(r.granted) - double(r.counted)},
            {"overflow", double(r.overflow)},
            {"abandoned", double(r.abandoned)},
            {"conserved", r.granted == r.counted + r.overflow + r.abandoned},
            {"helper_kills", r.helper_kills},
            {"helper_stops", r.helper_stops},
            {"helper_restarts", double(r.helper_restarts)},
            {"helper_stalls", double(r.helper_stalls)},
            {"longest_stats_freeze_s", r.longest_stats_freeze_s},
            {"stats_regressions", r.stats_regressions},
            {"reclaimed_worker_slots", double(r.reclaimed_slots)},
            {"rss_kb_start", double(r.rss_kb_start)},
            {"rss_kb_end", double(r.rss_kb_end)},
            {"rss_anon_kb_start", double(r.anon_kb_start)},
            {"rss_anon_kb_end", double(r.anon_kb_end)},
            {"rss_shmem_kb_start", double(r.shmem_kb_start)},
            {"rss_shmem_kb_end", double(r.shmem_kb_end)},
            {"fds_start", double(r.fds_start)},
            {"fds_end", double(r.fds_end)}};
}

} // namespace throttlelab::bench
