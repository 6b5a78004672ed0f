#pragma once
// A real redis-server for the tests: on a Unix socket in a temporary folder (no port to race
// for), with no persistence, stopped by its pid. It can be paused (SIGSTOP) and resumed, and
// restarted on the same socket, empty, with its scripts gone, as a crashed server comes back.
#include "backend_url.h"
#include "clock.h"
#include "redis_link.h"

#include <QDir>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <csignal>
#include <memory>
#include <sys/prctl.h>

namespace testsupport {

class RedisServer {
public:
    RedisServer() { start(); }
    ~RedisServer() { stop(); }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    static QString program() {
        return QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    }
    bool running() const { return process_ && process_->state() == QProcess::Running && ready_; }
    QString socket() const { return dir_.filePath(QStringLiteral("redis.sock")); }
    // The URL of a budget named `key` on this server.
    QString url(const QString& key) const {
        return QStringLiteral("redis+unix://%1?key=%2").arg(socket(), key);
    }
    qint64 pid() const { return process_ ? process_->processId() : 0; }
    // When the server (re)started: nobody can have reached it before this.
    throttlelab::Nanos startedAt() const { return started_ns_; }

    void pause() { ::kill(pid_t(pid()), SIGSTOP); }
    void resume() { ::kill(pid_t(pid()), SIGCONT); }
    // Stopped for `down_ms`, then started again: empty, its scripts gone, on the same socket.
    void restart(int down_ms) {
        stop();
        QThread::msleep(unsigned(down_ms));
        start();
    }

private:
    void start() {
        started_ns_ = throttlelab::monotonicNow();
        process_ = std::make_unique<QProcess>();
        process_->setProcessChannelMode(QProcess::MergedChannels);
        // A test that crashes takes its server with it, rather than leaving it running.
        process_->setChildProcessModifier([] { prctl(PR_SET_PDEATHSIG, SIGKILL); });
        process_->start(program(),
                        {QStringLiteral("--port"), QStringLiteral("0"),
                         QStringLiteral("--unixsocket"), socket(), QStringLiteral("--save"),
                         QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                         QStringLiteral("--dir"), dir_.path()});
        if (!process_->waitForStarted(5000)) return;
        throttlelab::BackendUrl u;
        u.socket_path = socket();
        // Ready once it answers PING (about 0.1 s).
        for (int i = 0; i < 100 && !ready_; ++i) {
            throttlelab::backend::RedisLink link;
            if (link.connect(u, std::chrono::milliseconds(200))) {
                const auto r = link.command({"PING"});
                ready_ = r.ok() && r.text() == QLatin1String("PONG");
            }
            if (!ready_) QThread::msleep(50);
        }
    }
    void stop() {
        if (!process_) return;
        ::kill(pid_t(pid()), SIGCONT);
        process_->kill();
        process_->waitForFinished(5000);
        process_.reset();
        ready_ = false;
        QFile::remove(socket());
    }
    QTemporaryDir dir_;
    std::unique_ptr<QProcess> process_;
    bool ready_ = false;
    throttlelab::Nanos started_ns_ = 0;
};

} // namespace testsupport
