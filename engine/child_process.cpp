#include "child_process.h"

#include "clock.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <csignal>
#include <thread>

namespace throttlelab {

namespace {

// The folder of this process's executable, read once: if the executable is replaced while it
// runs (a rebuild, a package upgrade), /proc/self/exe then names a deleted file, and helpers
// and workers next to it would no longer be found (a soak lost its monitor that way).
QString ownDirectory() {
    static const QString dir = [] {
        QString exe = QFile::symLinkTarget(QStringLiteral("/proc/self/exe"));
        if (exe.endsWith(QLatin1String(" (deleted)"))) exe.chop(10);
        return exe.section(u'/', 0, -2);
    }();
    return dir;
}

} // namespace

QString findExecutable(const QString& program, const QString& override_path) {
    if (!override_path.isEmpty())
        return QFileInfo(override_path).isExecutable() ? override_path : QString();
    QStringList dirs;
    const QByteArray env = qgetenv("THROTTLELAB_BIN_DIR");
    if (!env.isEmpty()) dirs << QString::fromLocal8Bit(env);
    dirs << ownDirectory();
    for (const QString& d : dirs) {
        const QString candidate = QDir(d).filePath(program);
        if (QFileInfo(candidate).isExecutable()) return candidate;
    }
    return QStandardPaths::findExecutable(program);
}

ChildProcess::~ChildProcess() {
    finish(0);
}

bool ChildProcess::start(const QString& program, const QStringList& args, QString* error) {
    finish(0);
    process_ = std::make_unique<QProcess>();
    process_->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process_->setStandardOutputFile(QProcess::nullDevice());
    process_->setStandardInputFile(QProcess::nullDevice());
    process_->start(program, args);
    if (!process_->waitForStarted(5000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(program, process_->errorString());
        process_.reset();
        return false;
    }
    return true;
}

bool ChildProcess::running() {
    if (!process_) return false;
    if (process_->state() == QProcess::NotRunning) return false;
    return !process_->waitForFinished(0);
}

qint64 ChildProcess::pid() const {
    return process_ ? process_->processId() : 0;
}

void ChildProcess::finish(int grace_ms) {
    if (!process_) return;
    if (process_->state() != QProcess::NotRunning && !process_->waitForFinished(grace_ms)) {
        process_->kill();
        process_->waitForFinished(2000);
    }
}

void ChildProcess::kill() {
    if (process_ && process_->state() != QProcess::NotRunning) {
        process_->kill();
        process_->waitForFinished(2000);
    }
}

void finishAll(const std::vector<ChildProcess*>& children, int grace_ms) {
    const Nanos deadline = monotonicNow() + Nanos(grace_ms) * kNanosPerMilli;
    for (;;) {
        bool any = false;
        for (ChildProcess* c : children)
            any = (c && c->running()) || any;
        if (!any || monotonicNow() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (ChildProcess* c : children)
        if (c && c->running()) ::kill(pid_t(c->pid()), SIGKILL);
    for (ChildProcess* c : children)
        if (c) c->finish(2000);
}

int ChildProcess::exitCode() const {
    return process_ ? process_->exitCode() : -1;
}

bool ChildProcess::crashed() const {
    return process_ && process_->exitStatus() == QProcess::CrashExit;
}

} // namespace throttlelab
