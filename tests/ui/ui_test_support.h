#pragma once
// Small helpers shared by the UI tests.
#include "command_line.h"

#include <QCoreApplication>
#include <QList>
#include <QSettings>
#include <QStandardPaths>
#include <QString>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace throttlelab::ui::test {

// A throttle name no other test (or test run) uses at the same time.
inline QString uniqueName(const char* what) {
    static std::atomic<int> n{0};
    return QStringLiteral("tst-ui-%1-%2-%3").arg(QLatin1String(what)).arg(::getpid()).arg(n++);
}

inline bool pidAlive(qint64 pid) {
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), 0) == 0) return true;
    return errno == EPERM;
}

inline bool anyAlive(const QList<qint64>& pids) {
    for (qint64 p : pids)
        if (pidAlive(p)) return true;
    return false;
}

// Settings and standard paths of their own, emptied: a test never reads or writes the
// developer's real QSettings.
inline void isolateSettings() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ThrottleLabTests"));
    QSettings().clear();
}

// Launch options for a window under test: its own throttle name, never a modal dialog, and no
// last experiment restored from the developer's settings.
inline LaunchOptions testOptions(const char* what) {
    LaunchOptions o;
    o.name = uniqueName(what);
    o.unattended = true;
    o.restore_last = false;
    return o;
}

} // namespace throttlelab::ui::test

namespace throttlelab::ui::test {

// Watches the GUI thread's event loop: a 5 ms timer notes, at each tick, how long the thread
// was asleep outside the event loop since the last tick. That is the gap between ticks less
// the thread's own CPU time and its time waiting for a CPU (/proc/thread-self/schedstat), so
// a loaded machine or a sanitizer's slowness does not count; only waiting does (on a
// process, a sleep, a blocking read). In a loop that never waits it stays near the tick.
class StallWatch : public QObject {
public:
    StallWatch() {
        connect(&tick_, &QTimer::timeout, this, [this] { sample(); });
        tick_.setTimerType(Qt::PreciseTimer);
        tick_.start(5);
        sample();
    }
    // The longest wait outside the event loop seen so far, in ms; reset() starts over.
    double longestWaitMs() const { return longest_ns_ / 1e6; }
    void reset() {
        longest_ns_ = 0;
        sample();
    }

private:
    struct Reading {
        std::int64_t wall = 0, cpu = 0, queued = 0;
    };
    static Reading read() {
        Reading r;
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r.wall = std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        if (FILE* f = std::fopen("/proc/thread-self/schedstat", "r")) {
            long long cpu = 0, queued = 0;
            if (std::fscanf(f, "%lld %lld", &cpu, &queued) == 2) {
                r.cpu = cpu;
                r.queued = queued;
            }
            std::fclose(f);
        }
        return r;
    }
    void sample() {
        const Reading now = read();
        if (last_.wall > 0) {
            const std::int64_t asleep =
                (now.wall - last_.wall) - (now.cpu - last_.cpu) - (now.queued - last_.queued);
            longest_ns_ = std::max(longest_ns_, asleep);
        }
        last_ = now;
    }
    QTimer tick_;
    Reading last_;
    std::int64_t longest_ns_ = 0;
};

} // namespace throttlelab::ui::test
