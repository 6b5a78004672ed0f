#pragma once
// What the Jobs tab's form holds, as plain data: the widgets show it, QSettings keeps it, tests
// set it. It becomes the jobs library's JobRequest, which jobs::toJobSpec() checks exactly as
// it checks `throttlectl job run`'s flags.
#include "job_request.h"

#include <QString>
#include <optional>

class QSettings;

namespace throttlelab::ui {

// AppDataLocation/jobs/job.db: a stash that survives the app, so a job can be resumed later.
QString defaultJobStashPath();

// The Jobs tab's defaults: a synthetic job into defaultJobStashPath().
jobs::JobRequest defaultJobRequest();

// Where a job's permits come from: the lab's throttle (the one the Monitor tab shows, so its
// live controls change the job's rate), a throttle of the job's own, or none.
enum class JobLimit { Lab, Own, None };

// The form is a job request (jobs::JobRequest, the CLI's too) plus the limit fields, which
// keep their values while another limit is chosen, so switching loses nothing.
struct JobInputs {
    jobs::JobRequest request = defaultJobRequest();
    JobLimit limit = JobLimit::Lab;
    int max_n = 10; // the job's own limit
    double per = 1.0;

    bool operator==(const JobInputs&) const = default;
};

// The request these inputs make: `request` with its limit set, attached to `lab_throttle`
// for JobLimit::Lab.
jobs::JobRequest toJobRequest(const JobInputs& inputs, const QString& lab_throttle);

void saveJobInputs(QSettings& settings, const JobInputs& inputs);
// Anything missing or unreadable keeps its default: an old or hand-edited settings file must
// not stop the app from starting.
JobInputs loadJobInputs(const QSettings& settings);

} // namespace throttlelab::ui
