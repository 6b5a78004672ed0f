#pragma once
// The Pipeline tab: `throttlectl pipeline run` with a window. It opens a pipeline file (or the
// bundled demo), runs it on the window's event loop, and draws it live: each stage with its
// queue filling and emptying, its throughput against its limit, the bottleneck outlined, the
// failures per stage. A stage with a limit of its own is retuned live from the table, like
// the lab's throttle. Start resumes the stash: only keys not through every stage are done.
#include "pipeline_runner.h"
#include "pipeline_spec.h"

#include <QTemporaryDir>
#include <QWidget>
#include <memory>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace throttlelab::ui {

class PipelineDiagram;

class PipelineView : public QWidget {
    Q_OBJECT
public:
    explicit PipelineView(QWidget* parent = nullptr);
    ~PipelineView() override; // a running pipeline's workers are ended

    // The pipeline to run: a file (checked now; the error is returned and shown) or the demo.
    QString openFile(const QString& path);
    void openDemo();
    // Where results go; empty: a temporary folder (the demo's default), else required.
    void setStashPath(const QString& path);
    QString startPipeline();
    void cancelPipeline();
    // A stage's limit, live: permits per second (kept per its `per`). The error, or empty.
    QString setStageRate(int stage, double per_second);
    bool isRunning() const { return runner_ != nullptr && running_; }
    std::optional<pipeline::PipelineSummary> lastSummary() const { return summary_; }
    PipelineDiagram* diagram() const { return diagram_; }
    QTableWidget* stageTable() const { return table_; }
    // This run's failures: stage, key and why, newest last (at most kFailuresShown).
    QTableWidget* failureTable() const { return failures_; }
    static constexpr int kFailuresShown = 1000;
    QString errorText() const;

Q_SIGNALS:
    void logged(const QString& line);
    void runningChanged(bool running);
    void pipelineFinished();

private:
    void showProgress(const pipeline::PipelineProgress& p);
    void showSpec();
    void showError(const QString& error);
    void setRunning(bool running);

    std::optional<pipeline::PipelineSpec> spec_;
    QString spec_label_;
    std::unique_ptr<pipeline::PipelineRunner> runner_;
    std::unique_ptr<QTemporaryDir> temporary_stash_;
    std::optional<pipeline::PipelineSummary> summary_;
    pipeline::PipelineProgress last_;
    bool running_ = false;
    bool updating_table_ = false; // filling the table: its edits are not the user's
    QLineEdit* file_;
    QLineEdit* stash_;
    QCheckBox* stop_if_error_;
    QCheckBox* reprocess_;
    QPushButton* start_;
    QPushButton* cancel_;
    QLabel* status_;
    QLabel* error_;
    PipelineDiagram* diagram_;
    QTableWidget* table_;
    QTableWidget* failures_;
};

} // namespace throttlelab::ui
