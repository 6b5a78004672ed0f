#pragma once
// One batch job as a person describes it, before any check: what `throttlectl job run`'s
// flags and the app's Jobs tab both fill in. toJobSpec() is the one place that checks it, so
// the two front ends refuse exactly the same things with the same typed errors.
#include "job_error.h"
#include "job_runner.h"

#include <QString>
#include <optional>

namespace throttlelab::jobs {

struct JobRequest {
    enum class Items { Range, File };
    enum class Task { Synthetic, Command };

    Items items = Items::Range;
    QString range = QStringLiteral("1000"); // N or A:B
    QString items_file;                     // one key per line
    Task task = Task::Synthetic;
    QString command; // {} stands for the key
    bool shell = false;
    QString synthetic = QStringLiteral("fixed:2ms"); // a work profile
    double fail_rate = 0.0;
    double timeout_s = 0.0; // per item; 0: no limit
    qint64 max_output_bytes = 64 * 1024;
    QString workers = QStringLiteral("0"); // see worker_count.h
    long long chunk_size = 0;              // 0: one chunk per worker
    QString stash_path;
    std::optional<StashFormat> stash_format; // unset: guessed from the path
    std::optional<ThrottleConfig> limit;     // a throttle of the job's own
    QString attach_name;                     // or one already running
    // With attach_name: while that throttle is stopped (its kill flag set, its owner alive)
    // the workers wait for it to start again instead of ending. The app's lab throttle stops
    // and restarts with every preset; a job on it pauses, then goes on at the new rate.
    bool hold_while_stopped = false;
    QString throttle_name; // the own throttle's name; empty: job-<pid>
    bool stop_if_error = false;
    bool reprocess_failures = false;
    bool invalidate = false;

    bool operator==(const JobRequest&) const = default;
};

// The run `request` describes, with `cores` resolving the workers; nullopt with `error` set.
// Only the request's own rules: whether the items file reads and the stash opens is found
// by JobRunner::prepare().
std::optional<JobSpec> toJobSpec(const JobRequest& request, int cores, JobError* error);

} // namespace throttlelab::jobs
