#pragma once
// What every worker process a coordinator starts (a job's, a pipeline stage's) does the same
// way: SIGTERM and SIGINT ask it to stop (the coordinator's end(), Ctrl-C), a closed pipe is
// an error return rather than a death, and its results go out on stdout whole.
#include <QByteArray>
#include <sys/types.h>

namespace throttlelab::jobs {

// Installs the handlers; call once, first thing.
void installWorkerSignals();
// A stop was asked for (SIGTERM or SIGINT), or the coordinator that started this process
// (`parent`) is gone.
bool workerShouldStop(pid_t parent);
// Writes all of `data` to stdout; false when the coordinator stopped reading.
bool writeToCoordinator(const QByteArray& data);
// The line that tells the coordinator the process group of the command now running, so it
// can end the command if this worker dies.
QByteArray taskGroupLine(pid_t group);

} // namespace throttlelab::jobs
