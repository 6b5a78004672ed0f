#include "job_request.h"

#include "worker_count.h"

namespace throttlelab::jobs {

std::optional<JobSpec> toJobSpec(const JobRequest& in, int cores, JobError* error) {
    auto refuse = [&](JobInput input, const QString& problem) {
        *error = {input, problem, true};
        return std::nullopt;
    };
    JobSpec spec;
    QString problem;
    if (in.items == JobRequest::Items::Range) {
        auto range = ItemSource::parseRange(in.range, &problem);
        if (!range) return refuse(JobInput::Range, problem);
        spec.items = *range;
    } else {
        if (in.items_file.trimmed().isEmpty())
            return refuse(JobInput::Items, QStringLiteral("is required: a file with one key per "
                                                          "line (or give a range instead)"));
        spec.items.file = in.items_file.trimmed();
    }

    std::optional<TaskSpec> task;
    if (in.task == JobRequest::Task::Command) {
        task = TaskSpec::command(in.command, in.shell, &problem);
        if (!task) return refuse(JobInput::Command, problem);
    } else {
        if (QString e = checkFailRate(in.fail_rate); !e.isEmpty())
            return refuse(JobInput::FailRate, e);
        task = TaskSpec::syntheticTask(in.synthetic.trimmed(), in.fail_rate, &problem);
        if (!task) return refuse(JobInput::Synthetic, problem);
    }
    task->timeout_s = in.timeout_s;
    task->max_output_bytes = in.max_output_bytes;
    spec.task = *task;

    auto workers = resolveWorkerCount(in.workers, cores, &problem);
    if (!workers) return refuse(JobInput::Workers, problem);
    spec.workers = *workers;
    if (in.chunk_size < 0)
        return refuse(JobInput::ChunkSize,
                      QStringLiteral("must be an integer >= 0 (0: one chunk per worker), got %1")
                          .arg(in.chunk_size));
    spec.chunk_size = std::size_t(in.chunk_size);

    spec.stash_path = in.stash_path.trimmed();
    if (spec.stash_path.isEmpty())
        return refuse(JobInput::Stash,
                      QStringLiteral("is required: a .db file (SQLite) or a folder ending in /"));
    spec.stash_format = in.stash_format ? *in.stash_format : guessStashFormat(spec.stash_path);

    if (in.limit && !in.attach_name.isEmpty())
        return refuse(JobInput::Attach,
                      QStringLiteral("shares a running throttle's limit; a job takes either "
                                     "its own limit or another throttle's, not both"));
    if (in.limit) {
        if (ConfigError e = checkConfig(*in.limit)) {
            *error = fromConfigError(e);
            return std::nullopt;
        }
        spec.limit = in.limit;
    }
    if (!in.attach_name.isEmpty()) {
        if (ConfigError e = checkName(in.attach_name)) return refuse(JobInput::Attach, e.problem);
        spec.attach_name = in.attach_name;
        spec.hold_while_stopped = in.hold_while_stopped;
    }
    if (!in.throttle_name.isEmpty()) {
        if (ConfigError e = checkName(in.throttle_name)) return refuse(JobInput::Name, e.problem);
        spec.throttle_name = in.throttle_name;
    }
    spec.stop_if_error = in.stop_if_error;
    spec.reprocess_failures = in.reprocess_failures;
    spec.invalidate = in.invalidate;
    return spec;
}

} // namespace throttlelab::jobs
