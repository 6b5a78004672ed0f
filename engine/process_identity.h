#pragma once
// Who a process is, robustly: a pid alone can be reused, so it is paired with the process's
// start time (field 22 of /proc/PID/stat, in clock ticks since boot).
#include "clock.h"

#include <cstdint>
#include <sys/types.h>

namespace throttlelab {

struct ProcessIdentity {
    pid_t pid = 0;
    std::uint64_t start_ticks = 0;

    static ProcessIdentity self();
    static ProcessIdentity of(pid_t pid); // start_ticks 0 when the process does not exist
    // True while this very process (not a later one with the same pid) runs and is no zombie.
    bool isAlive() const;
    // True while it is stopped (SIGSTOP, Ctrl-Z, a debugger): alive, but it will not move.
    bool isStopped() const;
};

// CPU time (user + system) this process has used.
Nanos selfCpuTime();
// CPU time of another process from /proc, or -1 when it cannot be read.
Nanos processCpuTime(pid_t pid);

// Lets this process's timed waits end within microseconds of their deadline instead of the
// default 50 us slack: it is what makes blocked waiters wake on time.
void usePreciseTimers();

} // namespace throttlelab
