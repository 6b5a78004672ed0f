#pragma once
// Small helpers shared by the UI tests.
#include "command_line.h"

#include <QCoreApplication>
#include <QList>
#include <QSettings>
#include <QStandardPaths>
#include <QString>
#include <atomic>
#include <cerrno>
#include <csignal>
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
