#pragma once
// The Jobs tab: `throttlectl job run` with a form. It runs a rate-limited batch job over worker
// processes on the window's own event loop (the window never blocks), shows its progress, its
// throughput against the limit and the keys that failed, and resumes a stash on the next Start.
// It owns the JobRunner: destroying the view ends a running job and leaves no process behind.
#include "job_inputs.h"
#include "stash.h"

#include <QList>
#include <QPointF>
#include <QWidget>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace throttlelab::ui {

class JobFailuresModel;
class LineChart;

class JobsView : public QWidget {
    Q_OBJECT
public:
    explicit JobsView(QWidget* parent = nullptr);
    ~JobsView() override;

    // The form as data, and back (tests, QSettings).
    JobInputs inputs() const;
    void setInputs(const JobInputs& inputs);
    // The throttle a job with JobLimit::Lab attaches to (the app's session); empty: none.
    void setLabThrottle(const QString& name) { lab_throttle_ = name; }
    // The lab throttle stopped or started again. A job on it is held meanwhile (its workers
    // wait, nothing is lost or cancelled), and the view says so.
    void labThrottleRunning(bool running);
    bool isHeld() const { return held_; }
    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

    // Starts a run with the form's inputs; a stash that holds results already is resumed: only
    // its missing keys (and, if asked, its failures) are done. Returns the error, which is also
    // shown in the view; on bad input nothing is started.
    QString startJob();
    // Workers stop; results in hand are kept and unfinished keys stay missing.
    void cancelJob();
    // Re-reads the stash (read-only, so it works while a run writes): counts and failures.
    QString refreshStatus();
    // Ends a running job now, killing its workers: the window is closing.
    void shutdown();

    // From Start until the run's summary is shown.
    bool isRunning() const { return running_; }
    bool hasSummary() const { return summary_.has_value(); }
    jobs::JobSummary lastSummary() const { return summary_.value_or(jobs::JobSummary()); }
    // The stash's counts as last read (after a run, or on Refresh).
    std::optional<jobs::StashCounts> stashCounts() const { return counts_; }
    QString errorText() const;
    // The input the last refused start was about (its field is marked), None if none.
    jobs::JobInput markedInput() const { return marked_input_; }
    QString statusText() const;
    QString throttleName() const;
    JobFailuresModel* failuresModel() const { return failures_model_; }
    QProgressBar* progressBar() const { return progress_; }
    int throughputPoints() const { return int(rate_points_.size()); }

Q_SIGNALS:
    void logged(const QString& line);
    void runningChanged(bool running);
    void jobFinished();

private:
    QWidget* buildForm();
    void showError(const QString& error);
    void markInvalidField(jobs::JobInput input);
    jobs::JobInput marked_input_ = jobs::JobInput::None;
    void clearMarks();
    void setRunning(bool running);
    void showProgress(const jobs::JobProgress& p);
    void plot(const jobs::JobProgress& p);
    void finished(const jobs::JobSummary& s);
    void endRunner();
    void chooseItemsFile();
    void chooseStash();

    std::unique_ptr<jobs::JobRunner> runner_;
    bool running_ = false;
    std::optional<jobs::JobSummary> summary_;
    std::optional<jobs::StashCounts> counts_;
    QList<QPointF> rate_points_;
    QList<QPointF> limit_points_;
    double rate_top_ = 0;

    QWidget* form_;
    QComboBox* items_kind_;
    QStackedWidget* items_stack_;
    QLineEdit* range_;
    QLineEdit* items_file_;
    QComboBox* task_kind_;
    QStackedWidget* task_stack_;
    QLineEdit* command_;
    QCheckBox* shell_;
    QLineEdit* profile_;
    QDoubleSpinBox* fail_rate_;
    QLineEdit* stash_;
    QLineEdit* workers_;
    QSpinBox* chunk_size_;
    QComboBox* limit_kind_; // JobLimit, in its order
    QString lab_throttle_;
    bool on_lab_ = false; // the running job takes its permits from the lab throttle
    bool held_ = false;   // and that throttle is stopped now
    QSpinBox* max_n_;
    QDoubleSpinBox* per_;
    QCheckBox* stop_if_error_;
    QCheckBox* reprocess_;
    QPushButton* start_;
    QPushButton* cancel_;
    QPushButton* refresh_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* stash_status_;
    QLabel* error_;
    LineChart* chart_;
    int rate_line_ = 0;
    int limit_line_ = 0;
    JobFailuresModel* failures_model_;
    QGroupBox* failures_box_;
    QTableView* failures_view_;
    QList<QWidget*> marked_; // fields shown red for the last bad input
};

} // namespace throttlelab::ui
