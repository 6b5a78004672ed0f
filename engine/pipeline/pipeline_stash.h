#pragma once
// Where a pipeline keeps its results: a folder holding a manifest (pipeline.json: the
// pipeline's fingerprint and its stages) and one batch-job stash per stage (SQLite files, or
// folders), so every (key, stage) result is stored whole or not at all, as a job's is, with the
// same full-disk and crash guarantees. A stage's stored output is the next stage's input: a
// resumed run starts each key at its first stage without a result. One run at a time holds
// the folder (a lock file inside it).
#include "pipeline_spec.h"
#include "stash.h"

#include <QLockFile>
#include <QString>
#include <memory>
#include <vector>

namespace throttlelab::pipeline {

struct StashRefusal {
    QString message;
    bool bad_input = true; // the user's choice (in use, another pipeline) or the machine (false)
};

class PipelineStash {
public:
    // Opens or creates the stash at `dir` for `spec`. One made for another pipeline is refused,
    // saying what changed, unless `force`: then the stages from the first changed one on start
    // over (their results were made by other tasks) and `restarted_from` says which.
    static std::unique_ptr<PipelineStash> open(const QString& dir, const PipelineSpec& spec,
                                               jobs::StashFormat format, bool force,
                                               StashRefusal* refusal,
                                               int* restarted_from = nullptr);
    // For status, failures and export: no lock, nothing written.
    static std::unique_ptr<PipelineStash> openReadOnly(const QString& dir, StashRefusal* refusal);

    QString path() const { return dir_; }
    int stageCount() const { return int(stages_.size()); }
    QString stageName(int i) const { return names_[std::size_t(i)]; }
    jobs::Stash& stage(int i) const { return *stages_[std::size_t(i)]; }

private:
    QString dir_;
    std::unique_ptr<QLockFile> lock_;
    std::vector<QString> names_;
    std::vector<std::unique_ptr<jobs::Stash>> stages_;
};

} // namespace throttlelab::pipeline
