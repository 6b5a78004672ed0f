#include "process_identity.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/prctl.h>
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

bool ProcessIdentity::isAlive() const {
    if (pid <= 0) return false;
    StatFields s;
    if (!readStat(pid, s)) return ::kill(pid, 0) == 0 || errno == EPERM;
    if (s.state == 'Z' || s.state == 'X') return false;
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
    StatFields s;
    if (!readStat(pid, s)) return -1;
    const long hz = sysconf(_SC_CLK_TCK);
    return Nanos((s.utime + s.stime) * (kNanosPerSecond / (hz > 0 ? hz : 100)));
}

void usePreciseTimers() {
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

} // namespace throttlelab
