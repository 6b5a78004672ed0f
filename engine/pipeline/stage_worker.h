#pragma once
// A pipeline stage's worker process (throttlelab-stage-worker): reads one framed request per
// line on stdin (the key and the previous stage's output, serve_framing.h), takes a permit
// from the stage's throttle, does the stage's task with that output on the command's stdin,
// and writes one result line (jobs::ItemResult) per request. A serve stage's command is
// started once and asked for each record instead. Before a per-item command runs it writes
// {"task_group": PGID} so the coordinator can end the command if this worker dies. It ends
// at the end of stdin, on SIGTERM, at the throttle's kill flag and when its coordinator dies.
#include "task_spec.h"

#include <QString>

namespace throttlelab::pipeline {

struct StageWorkerOptions {
    jobs::TaskSpec task;
    bool serve = false;
    int index = 0;
    QString throttle_name; // empty: no limit
};

// Exit codes: 0 done or stopped, 1 the throttle could not be joined, 3 the throttle went away.
int runStageWorker(const StageWorkerOptions& options, QString* error);

} // namespace throttlelab::pipeline
