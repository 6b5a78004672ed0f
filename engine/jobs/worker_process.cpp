#include "worker_process.h"

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace throttlelab::jobs {

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onStopSignal(int) {
    g_stop = 1;
}

} // namespace

void installWorkerSignals() {
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    // A coordinator that died closes our stdout: a failed write ends us, not SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
}

bool workerShouldStop(pid_t parent) {
    return g_stop != 0 || ::getppid() != parent;
}

bool writeToCoordinator(const QByteArray& data) {
    const char* p = data.constData();
    qsizetype left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(STDOUT_FILENO, p, std::size_t(left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        left -= n;
    }
    return true;
}

QByteArray taskGroupLine(pid_t group) {
    return QByteArrayLiteral("{\"task_group\":") + QByteArray::number(group) + "}\n";
}

} // namespace throttlelab::jobs
