#pragma once
// Runs a pipeline: every key through every stage, each stage's worker processes taking
// permits from the stage's own throttle (or a shared one), items moving between stages
// through bounded queues. The coordinator never waits: worker results, exits and a timer
// arrive on its event loop; it stores each (key, stage) result as it arrives and hands out
// work only where the next queue has room (stage_flow.h), so no queue ever holds more than
// its capacity and a slow stage holds back the ones before it.
//
// Exactly once: a result is stored before its key moves on, a resumed run starts each key at
// its first stage without a result, and an item a dead worker held is redone (it was never
// stored). A key that fails in a stage is stored as that stage's failure and goes no further.
#include "pipeline_spec.h"
#include "stash.h"

#include <QObject>
#include <QString>
#include <memory>
#include <vector>

namespace throttlelab::pipeline {

struct StageProgress {
    QString name;
    int workers = 0, workers_alive = 0;
    long long done = 0, failed = 0; // this run
    long long already_stored = 0;   // results from earlier runs, not redone
    int in_flight = 0;
    int queued = 0;        // waiting in its queue now
    int capacity = 0;      // of that queue
    int max_queued = 0;    // the most its queue ever held this run
    long long backlog = 0; // keys that start here (resumed ones, or all keys at stage 1)
    double rate = 0;       // results per second, over the last few seconds
    double limit_rate = 0; // its limit's target, 0 when unlimited
    // The throttle its workers take permits from (empty: none): a front end retunes it live
    // with ThrottleClient::changeConfig, as any throttle.
    QString throttle;
    bool own_limit = false; // that throttle is the stage's own (not shared by attach)
};

struct PipelineProgress {
    long long keys = 0;      // in the items
    long long completed = 0; // through the last stage, this run and before
    long long failed = 0;    // stopped by a failure in some stage, this run and before
    double elapsed_s = 0;
    int bottleneck = -1; // stage_flow.h's verdict now
    std::vector<StageProgress> stages;
};

struct PipelineSummary {
    PipelineProgress progress;
    long long missing = 0; // keys not through every stage and not failed
    long long redone = 0;  // items a dead worker held, redone
    bool stopped_on_error = false;
    bool cancelled = false;
    QString error; // a failure of the run itself
    double seconds = 0;
    int exitCode() const; // 0 all through, 1 failures, missing keys or an error
};

struct PipelineRunOptions {
    QString stash_path;
    jobs::StashFormat stash_format = jobs::StashFormat::Sqlite;
    bool stop_if_error = false;
    bool reprocess_failures = false;
    bool force = false;
    QString worker_executable; // empty: throttlelab-stage-worker next to this program
};

struct PipelineRefusal {
    QString message;
    bool bad_input = true; // exit status 2 (else 1)
    explicit operator bool() const { return !message.isEmpty(); }
};

class PipelineRunner : public QObject {
    Q_OBJECT
public:
    explicit PipelineRunner(QObject* parent = nullptr);
    ~PipelineRunner() override; // a running pipeline's workers are killed and waited for

    // Loads the items, opens the stash (locked) and plans what is left; nothing runs yet.
    PipelineRefusal prepare(const PipelineSpec& spec, const PipelineRunOptions& options);
    // Starts the stages' throttles and workers; finished() follows.
    QString start();
    // Workers stop; results stored stay, unfinished keys stay missing.
    void cancel();
    PipelineProgress progress() const;
    // start() and a local event loop until finished(), for the command line.
    PipelineSummary runToEnd();

Q_SIGNALS:
    void logged(const QString& line);
    void progressed(const throttlelab::pipeline::PipelineProgress& progress);
    // A key failed in a stage (it is stored as that stage's failure and goes no further).
    void itemFailed(const QString& stage, const QByteArray& key, const QString& why);
    void finished(const throttlelab::pipeline::PipelineSummary& summary);

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace throttlelab::pipeline
