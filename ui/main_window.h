#pragma once
// The ThrottleLab window: controls and preset explanation on the left, live charts and the
// worker table in the middle, the calibration and batch-job tabs, the event log below, totals
// in the status bar. It owns one EngineSession, whose throttle name is unique to this app
// instance.
#include "command_line.h"
#include "experiment.h"

#include <QMainWindow>
#include <QTimer>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTabWidget;
class QAction;

namespace throttlelab::ui {

class EngineSession;
class ChartPanel;
class ControlPanel;
class SharedBudgetView;
class CalibrationView;
class CompareView;
class PipelineView;
class EventLog;
class JobsView;
class WorkerTableModel;
class WorkerTableView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const LaunchOptions& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    EngineSession* session() const { return session_; }
    ChartPanel* chartPanel() const { return charts_; }
    ControlPanel* controlPanel() const { return controls_; }
    CalibrationView* calibrationView() const { return calibration_; }
    JobsView* jobsView() const { return jobs_; }
    CompareView* compareView() const { return compare_; }
    PipelineView* pipelineView() const { return pipeline_; }
    EventLog* eventLog() const { return log_; }
    WorkerTableModel* workerModel() const { return worker_model_; }
    QString explanation() const;
    QString title() const;
    QString statusText() const;

    // Each reports a failure in the event log and the status bar (and a dialog when someone
    // is at the keyboard) and returns false; the running experiment is left as it was.
    bool loadExperimentFile(const QString& path);
    bool saveExperimentFile(const QString& path);
    bool applyPreset(const QString& name);
    bool applyExperiment(const Experiment& x);
    bool takeScreenshot(const QString& path);
    // Presentation zoom: fonts and charts scaled together (Ctrl +, Ctrl -, Ctrl 0), from 0.8 to
    // 2.5; kept across launches.
    void setZoom(double zoom);
    double zoom() const { return zoom_; }
    bool exportEmissionsCsv(const QString& path);
    // Draws a run saved with "Export statistics history" under the live one (File menu);
    // returns the error, also reported, or empty.
    QString overlaySavedRun(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void report(const QString& error);
    void updateStatus();
    void persist();
    void showExplanation(const Experiment& x);
    // The user changed a setting: the loaded preset's name and text no longer fit.
    void markEdited();
    void updateWindowTitle();
    // The exported PNG's caption: title and settings now.
    QString caption() const;

    LaunchOptions options_;
    EngineSession* session_;
    ChartPanel* charts_;
    ControlPanel* controls_;
    CalibrationView* calibration_;
    JobsView* jobs_;
    CompareView* compare_;
    PipelineView* pipeline_;
    SharedBudgetView* budget_;
    EventLog* log_;
    WorkerTableModel* worker_model_;
    WorkerTableView* worker_view_;
    QTabWidget* tabs_;
    QComboBox* preset_box_;
    QLineEdit* title_edit_;
    QPlainTextEdit* explanation_;
    bool edited_ = false; // settings changed since the experiment was loaded
    double zoom_ = 1.0;
    double base_point_size_ = 0;
    QLabel* status_state_;
    QLabel* status_totals_;
    QTimer status_timer_;
    QString title_;
    QString explanation_text_;
    bool closed_ = false;
};

} // namespace throttlelab::ui
