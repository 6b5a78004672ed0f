#include "serve_process.h"

#include "clock.h"
#include "task_runner.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace throttlelab::pipeline {

ServeProcess::ServeProcess(QList<QByteArray> argv)
    : argv_(std::move(argv)) {}

ServeProcess::~ServeProcess() {
    end();
}

bool ServeProcess::start(QString* error) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) {
        *error =
            QStringLiteral("cannot make a pipe: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        *error =
            QStringLiteral("cannot make a pipe: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    // Its stderr is the worker's, which the coordinator reads and logs.
    pid_ = jobs::startInOwnGroup(argv_, in[0], out[1], STDERR_FILENO, error);
    ::close(in[0]);
    ::close(out[1]);
    if (pid_ == 0) {
        ::close(in[1]);
        ::close(out[0]);
        return false;
    }
    to_child_ = in[1];
    from_child_ = out[0];
    ::fcntl(to_child_, F_SETFL, O_NONBLOCK);
    ::fcntl(from_child_, F_SETFL, O_NONBLOCK);
    pending_.clear();
    return true;
}

void ServeProcess::end() {
    if (to_child_ >= 0) ::close(to_child_);
    if (from_child_ >= 0) ::close(from_child_);
    to_child_ = from_child_ = -1;
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    pid_ = 0;
}

namespace {

QString describeExit(int status) {
    return WIFSIGNALED(status)
               ? QStringLiteral("the serve process was killed by signal %1").arg(WTERMSIG(status))
               : QStringLiteral("the serve process exited with status %1").arg(WEXITSTATUS(status));
}

} // namespace

QString ServeProcess::endedWithoutAnswer() {
    // Its output closed: it is exiting, or has. Reaped within a moment, it says how it ended.
    for (int i = 0; i < 50 && pid_ > 0; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0;
            return describeExit(status) + QStringLiteral(" before answering");
        }
        ::usleep(2000);
    }
    return QStringLiteral("the serve process closed its output before answering");
}

ServeResponse ServeProcess::ask(const ServeRequest& request, double timeout_s,
                                const std::function<bool()>& cancel, bool* cancelled) {
    *cancelled = false;
    ServeResponse failed;
    auto failWith = [&](const QString& why) {
        end();
        failed.ok = false;
        failed.error = why;
        return failed;
    };
    if (pid_ == 0) {
        QString error;
        if (!start(&error)) return failWith(error);
    }
    const QByteArray out = encodeRequest(request);
    qsizetype sent = 0;
    const Nanos deadline = timeout_s > 0 ? monotonicNow() + fromSeconds(timeout_s) : 0;
    char buf[16384];
    for (;;) {
        const qsizetype newline = pending_.indexOf('\n');
        if (newline >= 0 && sent == out.size()) {
            const QByteArray line = pending_.left(newline + 1);
            pending_.remove(0, newline + 1);
            QString error;
            auto r = decodeResponse(line, &error);
            if (!r)
                return failWith(QStringLiteral("the serve process answered out of its "
                                               "framing: %1")
                                    .arg(error));
            return *r;
        }
        if (pending_.size() > kMaxServeLineBytes)
            return failWith(QStringLiteral("the serve process sent a line longer than %1 MiB")
                                .arg(kMaxServeLineBytes >> 20));
        pollfd fds[2];
        int n = 0;
        fds[n++] = {from_child_, POLLIN, 0};
        if (sent < out.size()) fds[n++] = {to_child_, POLLOUT, 0};
        ::poll(fds, nfds_t(n), 20);
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t got = ::read(from_child_, buf, sizeof buf);
            if (got > 0)
                pending_.append(buf, got);
            else if (got == 0 || (errno != EAGAIN && errno != EINTR))
                return failWith(endedWithoutAnswer());
        }
        if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t put =
                ::write(to_child_, out.constData() + sent, std::size_t(out.size() - sent));
            if (put > 0)
                sent += put;
            else if (put < 0 && errno != EAGAIN && errno != EINTR)
                return failWith(QStringLiteral("the serve process stopped reading its input"));
        }
        int status = 0;
        if (pending_.indexOf('\n') < 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0; // reaped: end() must not wait for it again
            return failWith(describeExit(status));
        }
        if (deadline > 0 && monotonicNow() >= deadline)
            return failWith(QStringLiteral("timed out after %1 s").arg(timeout_s));
        if (cancel && cancel()) {
            *cancelled = true;
            end();
            return failed;
        }
    }
}

} // namespace throttlelab::pipeline
