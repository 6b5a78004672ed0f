#pragma once
// The two helper processes a running throttle has, each attached to the segment by name:
// the throttle process (classic mode's token loop) and the monitor (emissions to
// statistics). Both end by themselves on the kill flag or within 2 s of their owner's death.
#include <QString>

namespace throttlelab {

int runThrottleProcess(const QString& name);
int runMonitorProcess(const QString& name, const QString& log_path);

} // namespace throttlelab
