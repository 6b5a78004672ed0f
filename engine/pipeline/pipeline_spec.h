#pragma once
// A pipeline file: the keys, and the ordered stages every key goes through. Read with Qt's
// JSON classes and checked whole before anything runs; an error names the field by its path
// ("stages[1].workers") and says what is accepted, so a script's author finds it at once.
//
//   {"items": {"file": "urls.txt"},
//    "stages": [
//      {"name": "fetch", "command": "curl -sf {}", "workers": 8, "queue": 32,
//       "limit": {"max_n": 10, "per": 1, "hardcap": "window"}},
//      {"name": "parse", "command": "./parse.py {}", "workers": 0},
//      {"name": "store", "command": "./store.sh {}", "workers": 1,
//       "limit": {"attach": "db-writes"}}]}
#include "job_items.h"
#include "options.h"
#include "task_spec.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>
#include <vector>

namespace throttlelab::pipeline {

// A stage's share of a rate: a throttle of its own, or one already running (shared with other
// work by name).
struct StageLimit {
    std::optional<ThrottleConfig> own;
    QString attach;
    // With a limit of its own: a CSV the stage's monitor appends a row per permit to (as
    // `throttlectl run --log`), to check or plot the stage's rate afterwards. Empty: none.
    QString log_path;
    bool operator==(const StageLimit&) const = default;
};

struct StageSpec {
    QString name;
    jobs::TaskSpec task; // stdin: the previous stage's output for the key; stdout: this one's
    QString workers_text = QStringLiteral("1"); // as written: the jobs' worker arithmetic
    int workers = 1;                            // resolved
    int queue = 0;      // most items waiting in front of the stage: max(4 x workers, 8) unless set
    bool serve = false; // one long-lived process per worker, one framed record per line
    std::optional<StageLimit> limit;
};

struct PipelineSpec {
    jobs::ItemSource items;
    std::vector<StageSpec> stages;

    // What identifies the pipeline's work in a stash: the stages' names, tasks and serve mode in
    // order (workers, queues and limits change how fast, not what, so they may change between
    // runs). Canonical JSON, compact.
    QByteArray fingerprint() const;
};

// Stage names are used in stashes, the terminal view and Graphviz: short words.
constexpr int kMaxStageNameChars = 40;
constexpr int kMaxStages = 32;
constexpr int kMaxQueue = 1'000'000;

struct PipelineError {
    QString field;   // "stages[1].workers", "items", "" for the file as a whole
    QString problem; // as it reads after the field
    explicit operator bool() const { return !problem.isEmpty(); }
    QString message() const; // "stages[1].workers must be ..., got 'x'"
};

// `cores` resolves the worker arithmetic; `base_dir` is where a relative items file is found
// (the pipeline file's folder).
std::optional<PipelineSpec> parsePipeline(const QByteArray& json, int cores,
                                          const QString& base_dir, PipelineError* error);
std::optional<PipelineSpec> readPipelineFile(const QString& path, int cores, PipelineError* error);

// Why a stash made for `before` does not fit `after`, in one line ("stage 2 'parse': its command
// changed"), or empty when it fits.
QString describeChange(const QByteArray& before_fingerprint, const QByteArray& after_fingerprint);

} // namespace throttlelab::pipeline
