#pragma once
// A batch job's progress and outcome in one line each, spelled out: the CLI's terminal line
// (after its text bar) and summary, and the app's status label and event log.
#include "job_runner.h"

#include <QString>

namespace throttlelab::jobs {

// "120 of 300 done (40.0%) | 55.2/s of 100/s limit | ETA 3.3 s | 2 failed | 700 stored before"
QString jobProgressText(const JobProgress& p);
// How a run ended: finished, cancelled, stopped at a failure, or failed; with what is missing.
QString jobSummaryText(const JobSummary& s);

} // namespace throttlelab::jobs
