#pragma once
// The coordinator of a rate-limited batch job: it reads the items, opens and locks the stash,
// works out what is missing, starts a throttle (or joins one) and worker processes, hands each
// worker one chunk at a time, and commits every result to the stash the moment it arrives. It
// is the stash's only writer. A worker that dies is noticed at once: its unfinished keys stay
// missing for the next run, and a replacement takes the chunks nobody holds yet; nothing waits
// forever.
//
// It runs on the caller's Qt event loop (the CLI's or the GUI's) and reports through signals,
// so a window stays responsive while a job runs.
#include "chunking.h"
#include "job_error.h"
#include "job_items.h"
#include "options.h"
#include "stash.h"
#include "task_spec.h"

#include <QObject>
#include <QString>
#include <memory>
#include <optional>

namespace throttlelab::jobs {

struct JobSpec {
    ItemSource items;
    TaskSpec task;
    QString stash_path;
    StashFormat stash_format = StashFormat::Sqlite;
    int workers = 1;            // resolved (see worker_count.h)
    std::size_t chunk_size = 0; // 0: one chunk per worker
    // The limit: a throttle of the job's own, or one already running (attach_name), or none.
    std::optional<ThrottleConfig> limit;
    QString attach_name;
    bool hold_while_stopped = false; // see JobRequest
    QString throttle_name;           // for the job's own throttle; empty: job-<pid>
    bool stop_if_error = false;
    bool reprocess_failures = false;
    bool invalidate = false;
    QString worker_executable; // empty: throttlelab-job-worker next to this program
};

struct JobProgress {
    long long total = 0;          // keys in the items
    long long already_stored = 0; // done before this run (not redone)
    long long to_do = 0;          // this run's share
    long long done = 0;           // this run: stored ok
    long long failed = 0;         // this run: stored as failures
    long long in_flight = 0;      // handed to workers, not yet reported
    int workers_alive = 0;
    double elapsed_s = 0;
    double rate = 0;       // results per second, over the last few seconds
    double limit_rate = 0; // the throttle's target, 0 without one
    double eta_s = -1;     // -1: unknown
};

struct JobSummary {
    JobProgress progress;
    long long missing = 0;    // keys still missing after the run
    long long lost = 0;       // handed to a worker that died (not cancelled) before reporting them
    long long duplicates = 0; // repeated keys dropped from the items file
    InvalidateReport invalidated;
    bool stopped_on_error = false;
    bool cancelled = false;
    QString error; // a failure of the run itself
    QString throttle_name;
    double seconds = 0;
    int exitCode() const; // 0 all done, 1 failures, missing keys or an error
    // Results (done or failed) per second over the run.
    double rate() const {
        return seconds > 0 ? double(progress.done + progress.failed) / seconds : 0.0;
    }
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override; // ends whatever still runs, without a signal

    // Refuses bad input (items, stash, task; the CLI's exit status 2) or fails when the stash
    // cannot be written or is in use (a full or read-only disk, another run: bad_input false,
    // exit status 1); nothing is started or changed beyond the stash's own creation.
    JobError prepare(const JobSpec& spec);
    // Starts the throttle and the workers; an error here is a failure (exit status 1).
    QString start();
    // Ends the run early: workers stop, unfinished keys stay missing.
    void cancel();
    bool running() const;
    // For the CLI: prepare() was called; starts and runs a local event loop until the end.
    JobSummary runToEnd();
    // Where the run stands now; reading it changes nothing.
    JobProgress progress() const;
    QString throttleName() const;

    struct Impl;

Q_SIGNALS:
    // Every 200 ms while running.
    void progressed(const throttlelab::jobs::JobProgress& progress);
    // One line worth telling: a worker's stderr, a replacement, the end.
    void logged(const QString& line);
    // Once per started run, from inside the runner: a slot that replaces the runner must be
    // connected queued.
    void finished(const throttlelab::jobs::JobSummary& summary);

private:
    std::unique_ptr<Impl> d_;
};

} // namespace throttlelab::jobs
