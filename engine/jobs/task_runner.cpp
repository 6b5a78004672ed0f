#include "task_runner.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace throttlelab::jobs {
namespace {

struct Pipe {
    int read = -1, write = -1;
    bool open() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        read = fds[0];
        write = fds[1];
        return true;
    }
    void closeRead() {
        if (read >= 0) ::close(read);
        read = -1;
    }
    void closeWrite() {
        if (write >= 0) ::close(write);
        write = -1;
    }
    ~Pipe() {
        closeRead();
        closeWrite();
    }
};

void keepTail(QByteArray& buffer, const char* data, qint64 n, qint64 cap) {
    buffer.append(data, n);
    if (buffer.size() > cap) buffer.remove(0, buffer.size() - cap);
}

} // namespace

TaskOutcome runTask(const QStringList& argv, const TaskLimits& limits,
                    const std::function<bool()>& cancel) {
    TaskOutcome out;
    const Nanos t0 = monotonicNow();
    Pipe out_pipe, err_pipe;
    if (argv.isEmpty() || !out_pipe.open() || !err_pipe.open()) {
        out.start_error = argv.isEmpty() ? QStringLiteral("empty command")
                                         : QString::fromLocal8Bit(std::strerror(errno));
        return out;
    }
    std::vector<QByteArray> storage;
    storage.reserve(std::size_t(argv.size()));
    std::vector<char*> args;
    for (const QString& a : argv) {
        storage.push_back(a.toLocal8Bit());
        args.push_back(storage.back().data());
    }
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe.write, 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe.write, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    out_pipe.closeWrite();
    err_pipe.closeWrite();
    if (rc != 0) {
        out.start_error = QStringLiteral("cannot run '%1': %2")
                              .arg(argv.first(), QString::fromLocal8Bit(std::strerror(rc)));
        out.exit_code = 127;
        out.duration_ns = monotonicNow() - t0;
        return out;
    }
    out.started = true;

    const Nanos deadline = limits.timeout_s > 0 ? t0 + fromSeconds(limits.timeout_s) : 0;
    int status = 0;
    bool exited = false;
    Nanos exited_at = 0;
    char buf[16384];
    auto endGroup = [&] {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
    };
    while (out_pipe.read >= 0 || err_pipe.read >= 0) {
        pollfd fds[2];
        int n = 0;
        if (out_pipe.read >= 0) fds[n++] = {out_pipe.read, POLLIN, 0};
        if (err_pipe.read >= 0) fds[n++] = {err_pipe.read, POLLIN, 0};
        ::poll(fds, nfds_t(n), 20);
        for (int i = 0; i < n; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            const bool is_out = fds[i].fd == out_pipe.read;
            if (got <= 0) {
                if (got < 0 && errno == EINTR) continue;
                is_out ? out_pipe.closeRead() : err_pipe.closeRead();
                continue;
            }
            if (is_out) {
                const qint64 room = limits.max_output_bytes - out.output.size();
                if (room > 0) out.output.append(buf, std::min<qint64>(room, got));
                if (got > room) out.output_truncated = true;
            } else {
                keepTail(out.stderr_tail, buf, got, limits.stderr_tail_bytes);
            }
        }
        const Nanos now = monotonicNow();
        if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            exited_at = now;
        }
        // Something the command started may hold its pipes open after it exits: give it a
        // moment to flush, then stop listening.
        if (exited && now - exited_at > 100 * kNanosPerMilli) break;
        if (!exited && deadline > 0 && now >= deadline) {
            out.timed_out = true;
            endGroup();
        }
        if (!exited && cancel && cancel()) {
            out.cancelled = true;
            endGroup();
        }
    }
    // Its pipes are closed: it has exited or is about to (or closed them and goes on, which
    // the deadline and `cancel` still cover).
    for (Nanos nap = 50 * kNanosPerMicro; !exited; nap = std::min(nap * 2, 20 * kNanosPerMilli)) {
        if (::waitpid(pid, &status, WNOHANG) == pid) break;
        const Nanos now = monotonicNow();
        if ((deadline > 0 && now >= deadline && !out.timed_out) ||
            (cancel && !out.cancelled && cancel())) {
            (deadline > 0 && now >= deadline) ? out.timed_out = true : out.cancelled = true;
            endGroup();
        }
        const timespec ts{0, long(nap)};
        ::nanosleep(&ts, nullptr);
    }
    // Whatever the command left running in its group ends with it.
    ::kill(-pid, SIGKILL);
    out.duration_ns = monotonicNow() - t0;
    if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
    return out;
}

} // namespace throttlelab::jobs
