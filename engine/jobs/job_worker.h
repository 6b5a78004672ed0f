#pragma once
// A job worker process (throttlelab-job-worker): reads keys from stdin, one per line, takes a
// permit from the job's throttle for each, runs the task and writes one result line (JSON) per
// key on stdout. Before a command runs it writes {"task_group": PGID}, so the coordinator can
// end the command's process group if this worker dies (the result line says it ended). It
// ends at the end of stdin, on SIGTERM or the throttle's kill flag (without
// reporting the key it was on, which stays missing), and when its coordinator dies.
#include "task_spec.h"

#include <QString>

namespace throttlelab::jobs {

struct JobWorkerOptions {
    TaskSpec task;
    int index = 0;
    QString throttle_name; // empty: no limit
    // The throttle's kill flag pauses this worker, until the throttle runs again, instead of
    // ending it; it still ends on SIGTERM, at the end of stdin and when the owner dies.
    bool hold_while_stopped = false;
};

// Exit codes: 0 done or stopped, 1 the throttle could not be joined, 3 the throttle went away.
int runJobWorker(const JobWorkerOptions& options, QString* error);

} // namespace throttlelab::jobs
