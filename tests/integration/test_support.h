#pragma once
// Shared by the integration tests: unique names, running the built executables, reading
// permit logs.
#include "clock.h"
#include "executable_lookup.h"
#include "options.h"
#include "permit_log.h"
#include "process_identity.h"
#include "process_supervisor.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QTest>
#include <QTextStream>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <memory>
#include <thread>
#include <unistd.h>
#include <vector>

namespace testsupport {

// A throttle name no other test (or other run of the suite) uses.
inline QString uniqueName(const char* what) {
    static std::atomic<int> n{0};
    return QStringLiteral("t%1-%2-%3").arg(getpid()).arg(what).arg(n.fetch_add(1));
}

inline QString exe(const char* program) {
    return throttlelab::findExecutable(QString::fromLatin1(program));
}

struct Result {
    int code = -1;
    QByteArray out, err;
};

// Runs a built executable to its end.
inline Result runTool(const char* program, const QStringList& args, int timeout_ms = 60000) {
    QProcess p;
    p.start(exe(program), args);
    p.waitForStarted();
    p.closeWriteChannel();
    if (!p.waitForFinished(timeout_ms)) p.kill();
    p.waitForFinished();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

// Starts a built executable with extra environment variables (e.g. THROTTLELAB_FAULT) and
// leaves it running; the QProcess kills and reaps it when destroyed.
struct Running {
    std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
    qint64 pid() const { return process->processId(); }
    ~Running() {
        if (process->state() != QProcess::NotRunning) {
            ::kill(pid_t(process->processId()), SIGKILL);
            process->waitForFinished(3000);
        }
    }
};
inline std::unique_ptr<Running> startTool(const char* program, const QStringList& args,
                                          const QStringList& env = {}) {
    auto r = std::make_unique<Running>();
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const QString& kv : env)
        e.insert(kv.section(u'=', 0, 0), kv.section(u'=', 1));
    r->process->setProcessEnvironment(e);
    r->process->setStandardInputFile(QProcess::nullDevice());
    r->process->start(exe(program), args);
    r->process->waitForStarted();
    return r;
}

// Worker processes joined to `name`, each with the extra environment `env`.
inline std::vector<std::unique_ptr<Running>> startWorkerProcesses(const QString& name, int n,
                                                                  const QStringList& env = {},
                                                                  const QString& work = "none") {
    std::vector<std::unique_ptr<Running>> out;
    for (int i = 0; i < n; ++i)
        out.push_back(startTool("throttle-worker", {"--name", name, "--work", work}, env));
    return out;
}

// A throttle's options under a name of its own, without calibration.
inline throttlelab::ThrottleOptions
throttleOptions(const char* what, long long max_n,
                throttlelab::Hardcap hardcap = throttlelab::Hardcap::Limit,
                throttlelab::PacingMode mode = throttlelab::PacingMode::Exact, double per = 1.0,
                const QString& log = {}) {
    throttlelab::ThrottleOptions o;
    o.name = uniqueName(what);
    o.config.max_n = max_n;
    o.config.per = per;
    o.config.hardcap = hardcap;
    o.config.mode = mode;
    o.auto_calibrate = false;
    o.correction_given = true;
    o.log_path = log;
    return o;
}

// Runs a system command (mount, umount) to its end: true when it exited 0.
inline bool runs(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    return p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// A small tmpfs, unmounted when the test ends (even when it fails); mounted only as root.
struct Tmpfs {
    QString path;
    bool mounted = false;
    Tmpfs(const QString& where, const QString& size)
        : path(where) {
        QDir().mkpath(where);
        mounted = ::geteuid() == 0 &&
                  runs("mount", {"-t", "tmpfs", "-o", "size=" + size, "tmpfs", where});
    }
    bool remount(const QString& options) {
        return runs("mount", {"-o", "remount," + options, path});
    }
    ~Tmpfs() {
        if (mounted) runs("umount", {"-l", path});
    }
};

inline void sleepMs(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

inline bool pidAlive(qint64 pid) {
    return throttlelab::ProcessIdentity::of(pid_t(pid)).isAlive();
}

// Waits up to `ms` for `pred`, running the event loop meanwhile (so supervisors report
// exits and restart helpers); true when it held.
template <typename Pred> bool waitFor(Pred pred, int ms) {
    return QTest::qWaitFor(pred, ms);
}

// True when `p` has ended or ends within `ms`. An event loop (waitFor) may have seen the
// exit already, and then QProcess::waitForFinished() says false.
inline bool endsWithin(QProcess& p, int ms) {
    return p.state() == QProcess::NotRunning || p.waitForFinished(ms);
}

// Worker processes a test starts and ends, through the engine's own supervisor.
class Workers {
public:
    throttlelab::ProcessId add(const QStringList& args) {
        const throttlelab::ProcessId id = supervisor_.launch(
            throttlelab::ProcessSpec::of(QStringLiteral("worker"), exe("throttle-worker"), args));
        ids_.push_back(id);
        return id;
    }
    std::size_t size() const { return ids_.size(); }
    qint64 pid(std::size_t i) const { return supervisor_.pid(ids_.at(i)); }
    bool running(std::size_t i) const { return supervisor_.isRunning(ids_.at(i)); }
    // The exit status of one that has exited, -1 before.
    int exitCode(std::size_t i) const {
        const auto e = supervisor_.lastExit(ids_.at(i));
        return e && !e->crashed ? e->code : -1;
    }
    // Each ends by itself within `grace` (at the kill flag, or at its --count) or is killed.
    void finish(std::chrono::milliseconds grace = std::chrono::seconds(2)) {
        supervisor_.endAll(grace);
        supervisor_.waitForAllExited(grace + std::chrono::seconds(2));
    }
    throttlelab::ProcessSupervisor& supervisor() { return supervisor_; }

private:
    throttlelab::ProcessSupervisor supervisor_;
    std::vector<throttlelab::ProcessId> ids_;
};

inline std::unique_ptr<Workers> startWorkers(const QString& name, int n,
                                             const QString& work = "none") {
    auto w = std::make_unique<Workers>();
    for (int i = 0; i < n; ++i)
        w->add({"--name", name, "--work", work});
    return w;
}

// Grant times (ns) from a permit log written with --log / ThrottleOptions::log_path, sorted.
inline std::vector<throttlelab::Nanos> grantTimes(const QString& path, qsizetype* rows = nullptr) {
    std::vector<throttlelab::Nanos> out = throttlelab::readPermitLogGrants(path);
    if (rows) *rows = qsizetype(out.size());
    return out;
}

} // namespace testsupport
