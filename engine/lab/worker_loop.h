#pragma once
// The worker process's loop: await_fuel -> work -> emit (when auto_emit is off), until the
// kill flag, the throttle's end, or an optional count of permits.
#include "work_profile.h"

#include <QString>

namespace throttlelab {

struct WorkerOptions {
    QString name;
    WorkProfile profile;
    long long max_permits = -1; // -1: no limit
    std::uint64_t seed = 0;     // 0: from the pid
};

// Exit codes: 0 killed or done, 1 attach failed, 3 the throttle went away.
int runWorker(const WorkerOptions& options, QString* error);

} // namespace throttlelab
