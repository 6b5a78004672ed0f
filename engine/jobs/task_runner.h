#pragma once
// Runs one external command for one key, the way a job worker needs it: no shell, stdin from
// /dev/null, stdout kept up to a cap, the tail of stderr kept, a deadline, and a way to stop
// at once. The command gets its own process group so a timeout or a stop ends whatever it
// started too.
#include "clock.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>

namespace throttlelab::jobs {

struct TaskLimits {
    double timeout_s = 0; // 0: none
    qint64 max_output_bytes = 64 * 1024;
    qint64 stderr_tail_bytes = 4 * 1024;
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

// `cancel` is polled while the command runs (every few ms while it is silent).
TaskOutcome runTask(const QStringList& argv, const TaskLimits& limits,
                    const std::function<bool()>& cancel);

} // namespace throttlelab::jobs
