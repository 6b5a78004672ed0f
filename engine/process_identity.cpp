#include "process_identity.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace throttlelab {
namespace {

struct StatFields {
    char state = '?';
    std::uint64_t utime = 0, stime = 0, start_ticks = 0;
};

bool readStat(pid_t pid, StatFields& out) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", int(pid));
    FILE* f = std::fopen(path, "re");
    if (!f) return false;
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const char* p = std::strrchr(buf, ')');
    if (!p) return false;
    unsigned long long field[52] = {};
    char state = '?';
    int count = std::sscanf(p + 2, "%c", &state);
    if (count != 1) return false;
    const char* q = p + 4;
    for (int i = 4; i <= 22 && *q; ++i) {
        char* end = nullptr;
        field[i] = std::strtoull(q, &end, 10);
        if (end == q) return false;
        q = end;
        while (*q == ' ')
            ++q;
    }
    out.state = state;
    out.utime = field[14];
    out.stime = field[15];
    out.start_ticks = field[22];
    return true;
}

} // namespace

ProcessIdentity ProcessIdentity::self() {
    return of(getpid());
}

ProcessIdentity ProcessIdentity::of(pid_t pid) {
    ProcessIdentity id{pid, 0};
    StatFields s;
    if (pid > 0 && readStat(pid, s)) id.start_ticks = s.start_ticks;
    return id;
}

// Whether `pid` names a process that has not exited, asked of the kernel through a pidfd (a
// zombie has exited: its pidfd reads as ready). Empty where pidfds are missing (before
// Linux 5.3, or a seccomp filter): the caller falls back to /proc.
std::optional<bool> runsByPidfd(pid_t pid) {
    const int fd = int(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) {
        if (errno == ESRCH) return false;
        return std::nullopt;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 0);
    ::close(fd);
    if (ready < 0) return std::nullopt;
    return ready == 0;
}

bool ProcessIdentity::isAlive() const {
    if (pid <= 0) return false;
    if (const std::optional<bool> runs = runsByPidfd(pid); runs && !*runs) return false;
    StatFields s;
    if (!readStat(pid, s)) return ::kill(pid, 0) == 0 || errno == EPERM;
    if (s.state == 'Z' || s.state == 'X') return false;
    // The pid may have been reused since it was recorded: the start time tells.
    return start_ticks == 0 || s.start_ticks == start_ticks;
}

bool ProcessIdentity::isStopped() const {
    StatFields s;
    if (pid <= 0 || !readStat(pid, s)) return false;
    return (s.state == 'T' || s.state == 't') && (start_ticks == 0 || s.start_ticks == start_ticks);
}

Nanos selfCpuTime() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return Nanos(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

Nanos processCpuTime(pid_t pid) {
    // The kernel's own per-process CPU clock, to the nanosecond; /proc counts clock ticks
    // (10 ms here), kept for a process the clock is refused for.
    clockid_t clock{};
    if (clock_getcpuclockid(pid, &clock) == 0) {
        timespec ts{};
        if (clock_gettime(clock, &ts) == 0) return Nanos(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
    }
    StatFields s;
    if (!readStat(pid, s)) return -1;
    const long hz = sysconf(_SC_CLK_TCK);
    return Nanos((s.utime + s.stime) * (kNanosPerSecond / (hz > 0 ? hz : 100)));
}

void usePreciseTimers() {
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

} // namespace throttlelab
