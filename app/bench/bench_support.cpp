#include "bench_support.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <unistd.h>

namespace throttlelab::bench {

QString benchName(const char* what) {
    static std::atomic<int> n{0};
    return QStringLiteral("bench-%1-%2-%3").arg(getpid()).arg(what).arg(n.fetch_add(1));
}

void sleepSeconds(double s) {
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

QString WorkerPool::start(int count) {
    const QString exe = findExecutable(QStringLiteral("throttle-worker"));
    if (exe.isEmpty()) return QStringLiteral("cannot find throttle-worker");
    for (int i = 0; i < count; ++i) {
        const ProcessId id = children_.launch(
            ProcessSpec::of(QStringLiteral("worker"), exe, {QStringLiteral("--name"), name_}));
        if (!children_.isRunning(id)) return QStringLiteral("cannot start %1").arg(exe);
    }
    return {};
}

void WorkerPool::finish() {
    // They end by themselves at the kill flag; one still there after 2 s is killed.
    children_.endAll(std::chrono::seconds(2));
    children_.waitForAllExited(std::chrono::seconds(4));
    for (ProcessId id : children_.ids())
        children_.forget(id);
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t i = std::min(v.size() - 1, std::size_t(p / 100.0 * double(v.size())));
    return v[i];
}

} // namespace throttlelab::bench
