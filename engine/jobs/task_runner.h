#pragma once
// Runs one external command for one key, the way a job worker needs it: no shell, stdin from
// /dev/null (or given bytes), stdout kept up to a cap, the tail of stderr kept, a deadline, and a
// way to stop at once. The command gets its own process group so a timeout or a stop ends whatever
// it started too, and dies with its worker (a parent-death signal); the group's id is reported as
// soon as it exists, so the coordinator can end the rest of the group if the worker dies.
#include "clock.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>
#include <sys/types.h>

namespace throttlelab::jobs {

struct TaskLimits {
    double timeout_s = 0; // 0: none
    qint64 max_output_bytes = 64 * 1024;
    qint64 stderr_tail_bytes = 4 * 1024;
};

// What the command reads on stdin: nothing (/dev/null), or these bytes, then end of file (a
// pipeline stage gets the previous stage's output for its key this way).
struct TaskInput {
    bool given = false;
    QByteArray bytes;
};

struct TaskOutcome {
    bool started = false;
    QString start_error; // why it could not start
    int exit_code = -1;
    int signal = 0;
    bool timed_out = false;
    bool cancelled = false; // `cancel` said stop; the result must not be stored
    QByteArray output;
    bool output_truncated = false;
    QByteArray stderr_tail;
    Nanos duration_ns = 0;
};

// Starts `argv` (looked up on PATH) in a process group of its own, killed if this process
// dies, with the given descriptors as its stdin (-1: /dev/null), stdout and stderr. Returns
// the process id, or 0 with the reason in `error`. For a command that lives on (a pipeline's
// serve stage); runTask() below uses it for one item.
pid_t startInOwnGroup(const QList<QByteArray>& argv, int in_fd, int out_fd, int err_fd,
                      QString* error);

// `cancel` is polled while the command runs (every few ms while it is silent); `on_started`
// hears the command's process group id once it runs.
TaskOutcome runTask(const QList<QByteArray>& argv, const TaskLimits& limits,
                    const std::function<bool()>& cancel,
                    const std::function<void(pid_t)>& on_started = {}, const TaskInput& input = {});

} // namespace throttlelab::jobs
