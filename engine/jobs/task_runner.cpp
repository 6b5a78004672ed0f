#include "task_runner.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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

// The file a program name runs, looked up on PATH like execvp does, before fork: the child
// may only call async-signal-safe functions.
QByteArray resolveProgram(const QByteArray& name) {
    if (name.contains('/')) return name;
    const char* path = std::getenv("PATH");
    for (const QByteArray& dir : QByteArray(path ? path : "/usr/bin:/bin").split(':')) {
        const QByteArray candidate = (dir.isEmpty() ? QByteArray(".") : dir) + '/' + name;
        if (::access(candidate.constData(), X_OK) == 0) return candidate;
    }
    return {};
}

// Starts `file` in a process group of its own that is killed if this process dies. posix_spawn
// cannot ask for a parent-death signal, hence fork; the child only calls async-signal-safe
// functions. Returns 0 or the errno of the failure (the exec's, reported through a pipe).
int spawnInOwnGroup(const QByteArray& file, char* const* args, int in_fd, int out_fd, int err_fd,
                    pid_t* pid) {
    Pipe exec_status;
    if (!exec_status.open()) return errno;
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) return errno;
    if (child == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127); // the worker died before the signal was set
        const int stdin_fd = in_fd >= 0 ? in_fd : ::open("/dev/null", O_RDONLY);
        if (stdin_fd < 0 || ::dup2(stdin_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 ||
            ::dup2(err_fd, 2) < 0) {
            const int e = errno;
            (void)!::write(exec_status.write, &e, sizeof e);
            ::_exit(127);
        }
        struct sigaction defaults {};
        defaults.sa_handler = SIG_DFL;
        for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
            ::sigaction(s, &defaults, nullptr);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(file.constData(), args, environ);
        const int e = errno;
        (void)!::write(exec_status.write, &e, sizeof e);
        ::_exit(127);
    }
    // Set here too, so the group exists before anyone is told its id.
    ::setpgid(child, child);
    *pid = child;
    exec_status.closeWrite();
    int exec_errno = 0;
    ssize_t got = 0;
    while ((got = ::read(exec_status.read, &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
    }
    if (got == sizeof exec_errno) {
        int ignored = 0;
        ::waitpid(child, &ignored, 0);
        return exec_errno;
    }
    return 0;
}

} // namespace

pid_t startInOwnGroup(const QList<QByteArray>& argv, int in_fd, int out_fd, int err_fd,
                      QString* error) {
    if (argv.isEmpty()) {
        *error = QStringLiteral("empty command");
        return 0;
    }
    std::vector<QByteArray> storage(argv.begin(), argv.end());
    std::vector<char*> args;
    for (QByteArray& a : storage)
        args.push_back(a.data());
    args.push_back(nullptr);
    const QByteArray file = resolveProgram(storage.front());
    pid_t pid = 0;
    const int rc =
        file.isEmpty() ? ENOENT : spawnInOwnGroup(file, args.data(), in_fd, out_fd, err_fd, &pid);
    if (rc != 0) {
        *error = QStringLiteral("cannot run '%1': %2")
                     .arg(QString::fromLocal8Bit(argv.first()),
                          QString::fromLocal8Bit(std::strerror(rc)));
        return 0;
    }
    return pid;
}

TaskOutcome runTask(const QList<QByteArray>& argv, const TaskLimits& limits,
                    const std::function<bool()>& cancel,
                    const std::function<void(pid_t)>& on_started, const TaskInput& input) {
    TaskOutcome out;
    const Nanos t0 = monotonicNow();
    Pipe out_pipe, err_pipe, in_pipe;
    if (argv.isEmpty() || !out_pipe.open() || !err_pipe.open() ||
        (input.given && !in_pipe.open())) {
        out.start_error = argv.isEmpty() ? QStringLiteral("empty command")
                                         : QString::fromLocal8Bit(std::strerror(errno));
        return out;
    }
    QString start_error;
    const pid_t pid =
        startInOwnGroup(argv, in_pipe.read, out_pipe.write, err_pipe.write, &start_error);
    out_pipe.closeWrite();
    err_pipe.closeWrite();
    in_pipe.closeRead();
    // Fed as the command reads, never blocking: a command that writes before it reads all of
    // its input must not deadlock against us.
    if (in_pipe.write >= 0) ::fcntl(in_pipe.write, F_SETFL, O_NONBLOCK);
    qsizetype fed = 0;
    if (in_pipe.write >= 0 && input.bytes.isEmpty()) in_pipe.closeWrite();
    if (pid == 0) {
        out.start_error = start_error;
        out.exit_code = 127;
        out.duration_ns = monotonicNow() - t0;
        return out;
    }
    out.started = true;
    if (on_started) on_started(pid);

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
        pollfd fds[3];
        int n = 0;
        if (out_pipe.read >= 0) fds[n++] = {out_pipe.read, POLLIN, 0};
        if (err_pipe.read >= 0) fds[n++] = {err_pipe.read, POLLIN, 0};
        if (in_pipe.write >= 0) fds[n++] = {in_pipe.write, POLLOUT, 0};
        ::poll(fds, nfds_t(n), 20);
        for (int i = 0; i < n; ++i) {
            if (fds[i].fd == in_pipe.write) {
                if (fds[i].revents & (POLLERR | POLLHUP)) {
                    in_pipe.closeWrite(); // it exited or closed stdin: the rest is not wanted
                } else if (fds[i].revents & POLLOUT) {
                    const ssize_t put = ::write(in_pipe.write, input.bytes.constData() + fed,
                                                std::size_t(input.bytes.size() - fed));
                    if (put > 0) fed += put;
                    if ((put < 0 && errno != EAGAIN && errno != EINTR) || fed == input.bytes.size())
                        in_pipe.closeWrite();
                }
                continue;
            }
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
