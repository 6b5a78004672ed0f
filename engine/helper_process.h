#pragma once
// The two helper processes a running throttle has, each attached to the segment by name:
// the throttle process (classic mode's token loop) and the monitor (emissions to
// statistics). Both end by themselves on the kill flag or within 2 s of their owner's death.
#include <QString>
#include <cstdio>

namespace throttlelab {

// A monitor starts a run's figures, or replaces one of the same run that died or stalled.
// Only a replacement cuts the permit log back to the last published size: rows after it are
// written again; a new run's log may be another file, which is never cut.
enum class MonitorStart { NewRun, Replacement };

// Tells the owner (ProcessSupervisor, announces_ready) that this helper is attached and sees
// the kill flag: the line "ready" on stdout, the owner's pipe. Nothing else is written there.
inline void announceReady() {
    std::fputs("ready\n", stdout);
    std::fflush(stdout);
}

int runThrottleProcess(const QString& name);
int runMonitorProcess(const QString& name, const QString& log_path, MonitorStart how);

} // namespace throttlelab
