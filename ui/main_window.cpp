#include "main_window.h"
#include "number_format.h"
#include "saved_run.h"

#include "calibration_view.h"
#include "chart_panel.h"
#include "compare_view.h"
#include "control_panel.h"
#include "engine_session.h"
#include "event_log.h"
#include "jobs_view.h"
#include "pipeline_view.h"
#include "presets.h"
#include "shared_budget_view.h"
#include "worker_table_model.h"
#include "worker_table_view.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSaveFile>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>
#include <cstdio>
#include <unistd.h>

// The window's icon and desktop entry (resources/throttlelab.qrc) are compiled into this
// static library: an explicit reference keeps the linker from dropping them.
static void initWindowResources() {
    Q_INIT_RESOURCE(throttlelab);
}

namespace throttlelab::ui {

namespace {

QString defaultName() {
    return QStringLiteral("throttlelab-%1").arg(::getpid());
}

} // namespace

MainWindow::MainWindow(const LaunchOptions& options, QWidget* parent)
    : QMainWindow(parent)
    , options_(options) {
    setWindowTitle(tr("ThrottleLab"));
    initWindowResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/throttlelab.png")));
    session_ = new EngineSession(options.name.isEmpty() ? defaultName() : options.name, this);

    log_ = new EventLog;
    connect(session_, &EngineSession::logged, log_, &EventLog::append);

    // Left: what to watch, then the controls.
    preset_box_ = new QComboBox;
    preset_box_->addItem(tr("(custom)"), QString());
    QStringList preset_errors;
    for (const Preset& p : loadPresets(&preset_errors))
        preset_box_->addItem(p.experiment.title, p.id);
    for (const QString& e : preset_errors)
        log_->append(tr("preset not loaded: %1").arg(e));
    // The experiment's own title and notes: a preset's to start with, the user's to edit, and
    // saved with the experiment.
    title_edit_ = new QLineEdit;
    title_edit_->setObjectName(QStringLiteral("experimentTitle"));
    title_edit_->setPlaceholderText(tr("Title of this experiment"));
    connect(title_edit_, &QLineEdit::textEdited, this, [this](const QString& t) {
        title_ = t;
        updateWindowTitle();
    });
    explanation_ = new QPlainTextEdit;
    explanation_->setObjectName(QStringLiteral("experimentNotes"));
    explanation_->setPlaceholderText(tr("Notes: what to watch, what you changed and why"));
    explanation_->setStyleSheet(QStringLiteral("QPlainTextEdit { background: #fff8e0; border: 1px "
                                               "solid #e0c060; border-radius: 4px; }"));
    explanation_->setMinimumHeight(80);
    connect(explanation_, &QPlainTextEdit::textChanged, this,
            [this] { explanation_text_ = explanation_->toPlainText(); });
    controls_ = new ControlPanel;
    auto* left = new QWidget;
    auto* left_layout = new QVBoxLayout(left);
    auto* preset_group = new QGroupBox(tr("Experiment"));
    auto* preset_layout = new QVBoxLayout(preset_group);
    preset_layout->addWidget(preset_box_);
    preset_layout->addWidget(title_edit_);
    preset_layout->addWidget(explanation_, 1);
    left_layout->addWidget(preset_group);
    left_layout->addWidget(controls_, 1);
    auto* scroll = new QScrollArea;
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(300);
    auto* left_dock = new QDockWidget(tr("Controls"), this);
    left_dock->setObjectName(QStringLiteral("controls"));
    left_dock->setWidget(scroll);
    left_dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, left_dock);

    // Middle: the monitor tab and the calibration tab.
    charts_ = new ChartPanel(session_);
    connect(session_, &EngineSession::cleanRunStarted, charts_, &ChartPanel::clearRun);
    connect(session_, &EngineSession::happened, charts_, &ChartPanel::addMarker);
    charts_->setCaption([this] { return caption(); });
    charts_->setFrameStatsEnabled(options.frame_stats);
    worker_model_ = new WorkerTableModel(this);
    worker_view_ = new WorkerTableView;
    worker_view_->setModel(worker_model_);
    connect(session_, &EngineSession::workersUpdated, worker_model_, &WorkerTableModel::setRows);
    connect(worker_view_, &WorkerTableView::killRequested, session_, &EngineSession::killWorker);
    auto* monitor = new QSplitter(Qt::Vertical);
    monitor->addWidget(charts_);
    monitor->addWidget(worker_view_);
    monitor->setStretchFactor(0, 3);
    monitor->setStretchFactor(1, 1);
    monitor->setSizes({560, 190});
    calibration_ = new CalibrationView(session_);
    connect(calibration_, &CalibrationView::logged, log_, &EventLog::append);
    jobs_ = new JobsView;
    jobs_->setLabThrottle(session_->name()); // a job takes its permits here by default
    connect(jobs_, &JobsView::logged, log_, &EventLog::append);
    // Below the size the charts and the worker table need to be read, the tab scrolls
    // instead of squeezing them (at 1024x700, or at a scale factor of 1.5).
    monitor->setMinimumSize(560, 520);
    worker_view_->setMinimumHeight(110);
    // Every tab scrolls below its own minimum, so no tab makes the window larger than a small
    // or scaled screen.
    auto scrolled = [](QWidget* page) {
        auto* area = new QScrollArea;
        area->setWidget(page);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        return area;
    };
    tabs_ = new QTabWidget;
    tabs_->addTab(scrolled(monitor), tr("Monitor"));
    tabs_->addTab(scrolled(calibration_), tr("Calibration"));
    tabs_->addTab(scrolled(jobs_), tr("Jobs"));
    compare_ = new CompareView(session_->name());
    compare_->setFrameStatsEnabled(options.frame_stats);
    connect(compare_, &CompareView::logged, log_, &EventLog::append);
    tabs_->addTab(scrolled(compare_), tr("A/B"));
    pipeline_ = new PipelineView;
    connect(pipeline_, &PipelineView::logged, log_, &EventLog::append);
    tabs_->addTab(scrolled(pipeline_), tr("Pipeline"));
    budget_ = new SharedBudgetView(session_);
    connect(budget_, &SharedBudgetView::logged, log_, &EventLog::append);
    tabs_->addTab(scrolled(budget_), tr("Budget"));
    setCentralWidget(tabs_);

    auto* log_dock = new QDockWidget(tr("Event log"), this);
    log_dock->setObjectName(QStringLiteral("eventlog"));
    log_dock->setWidget(log_);
    log_dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::BottomDockWidgetArea, log_dock);
    log_->setMinimumHeight(90);

    status_state_ = new QLabel;
    status_totals_ = new QLabel;
    statusBar()->addPermanentWidget(status_state_);
    statusBar()->addPermanentWidget(status_totals_);

    buildActions();

    connect(controls_, &ControlPanel::configEdited, this, [this](const ThrottleConfig& c) {
        if (const ConfigError e = session_->applyConfig(c))
            report(e.message());
        else
            markEdited();
    });
    connect(controls_, &ControlPanel::workerCountEdited, this, [this](int n) {
        session_->setWorkerCount(n);
        markEdited();
    });
    connect(controls_, &ControlPanel::workProfileEdited, this, [this](const QString& p) {
        if (const QString e = session_->setWorkProfile(p); !e.isEmpty())
            report(e);
        else
            markEdited();
    });
    connect(session_, &EngineSession::configChanged, controls_, &ControlPanel::setConfig);
    connect(preset_box_, &QComboBox::activated, this, [this](int i) {
        const QString id = preset_box_->itemData(i).toString();
        if (!id.isEmpty()) applyPreset(id);
    });
    status_timer_.setInterval(250);
    connect(&status_timer_, &QTimer::timeout, this, &MainWindow::updateStatus);
    status_timer_.start();

    // The preferred size, never larger than the screen (a scale factor of 1.5 made it so).
    const QRect screen =
        this->screen() ? this->screen()->availableGeometry() : QRect(0, 0, 1400, 900);
    resize(std::min(1400, screen.width()), std::min(900, screen.height()));
    resizeDocks({log_dock}, {130}, Qt::Vertical);
    resizeDocks({left_dock}, {330}, Qt::Horizontal);
    QSettings settings;
    base_point_size_ = font().pointSizeF();
    if (options.zoom > 0) setZoom(options.zoom);
    if (options.persist) {
        if (options.zoom <= 0)
            setZoom(settings.value(QStringLiteral("window/zoom"), 1.0).toDouble());
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
        restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
        jobs_->restoreSettings(settings);
    }

    // The first experiment: asked for, else the last one, else the tutorial.
    Experiment first = Experiment::tutorial();
    bool chosen = false;
    if (!options.preset.isEmpty()) {
        if (auto p = findPreset(options.preset)) {
            first = p->experiment;
            chosen = true;
        } else {
            report(tr("no preset named '%1'; starting the tutorial").arg(options.preset));
        }
    } else if (!options.open.isEmpty()) {
        QString error;
        if (auto x = Experiment::load(options.open, &error)) {
            first = *x;
            chosen = true;
        } else {
            report(tr("cannot load experiment: %1; starting the tutorial").arg(error));
        }
    }
    if (!chosen && options.restore_last) {
        const QByteArray last = settings.value(QStringLiteral("experiment/last")).toByteArray();
        QString error;
        if (!last.isEmpty()) {
            if (auto x = Experiment::fromJson(last, &error))
                first = *x;
            else
                log_->append(tr("last experiment not restored: %1").arg(error));
        }
    }
    applyExperiment(first);
    if (!options.backend_url.isEmpty()) {
        budget_->setBackend(options.backend_url, options.on_backend_loss);
        if (const QString e = budget_->apply(); !e.isEmpty())
            report(tr("the budget is not shared: %1").arg(e));
    }
    if (const QString e = session_->start(); !e.isEmpty()) report(tr("cannot start: %1").arg(e));

    auto show = [this](QWidget* page) {
        for (int i = 0; i < tabs_->count(); ++i)
            if (tabs_->widget(i)->isAncestorOf(page)) tabs_->setCurrentIndex(i);
    };
    if (options.view == QLatin1String("calibration")) show(calibration_);
    if (options.view == QLatin1String("jobs")) show(jobs_);
    if (options.view == QLatin1String("compare")) show(compare_);
    if (options.view == QLatin1String("pipeline")) show(pipeline_);
    if (options.view == QLatin1String("budget")) show(budget_);
    updateStatus();
}

MainWindow::~MainWindow() {
    // A running job's workers are killed and waited for while the window is still whole.
    jobs_->shutdown();
    delete pipeline_; // and a running pipeline's
    pipeline_ = nullptr;
    compare_->shutdown();
    // The charts read the session on a timer: stop them before the session goes.
    delete charts_;
    charts_ = nullptr;
    session_->shutdown();
}

void MainWindow::buildActions() {
    auto* tb = addToolBar(tr("Run"));
    tb->setObjectName(QStringLiteral("runbar"));
    tb->setToolButtonStyle(Qt::ToolButtonTextOnly);
    QAction* start = tb->addAction(tr("Start"), this, [this] {
        if (const QString e = session_->start(); !e.isEmpty()) report(e);
    });
    QAction* stop = tb->addAction(tr("Stop"), session_, &EngineSession::stop);
    QAction* restart = tb->addAction(tr("Restart"), this, [this] {
        if (const QString e = session_->startCleanRun(); !e.isEmpty()) report(e);
    });
    QAction* reset = tb->addAction(tr("Reset statistics"), this, [this] {
        charts_->addMarker(tr("statistics reset"));
        if (const QString e = session_->startCleanRun(); !e.isEmpty()) report(e);
    });
    reset->setToolTip(tr("Start the figures, charts and worker table over; the settings stay"));
    start->setToolTip(tr("Start the throttle, its monitor and the workers"));
    stop->setToolTip(tr("Set the kill flag: the workers and helpers end; totals are kept"));
    restart->setToolTip(tr("Stop, then start a clean run with the current settings"));
    auto syncButtons = [start, stop, restart](bool running) {
        start->setEnabled(!running);
        stop->setEnabled(running);
        restart->setEnabled(running);
    };
    connect(session_, &EngineSession::runningChanged, this, syncButtons);
    connect(session_, &EngineSession::runningChanged, jobs_, &JobsView::labThrottleRunning);
    syncButtons(false);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open experiment..."), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open experiment"), {},
                                                          tr("Experiments (*.json)"));
        if (!path.isEmpty()) loadExperimentFile(path);
    });
    file->addAction(tr("&Save experiment..."), QKeySequence::Save, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save experiment"),
                                                          QStringLiteral("experiment.json"),
                                                          tr("Experiments (*.json)"));
        if (!path.isEmpty()) saveExperimentFile(path);
    });
    file->addSeparator();
    file->addAction(tr("Export charts as &PNG..."), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export charts"), QStringLiteral("charts.png"), tr("PNG images (*.png)"));
        QString error;
        if (!path.isEmpty() && !charts_->exportPng(path, &error)) report(error);
    });
    file->addAction(tr("Export statistics history as &CSV..."), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export history"), QStringLiteral("history.csv"), tr("CSV files (*.csv)"));
        QString error;
        if (!path.isEmpty() && !charts_->exportHistoryCsv(path, &error)) report(error);
    });
    file->addAction(tr("&Overlay a saved run (history CSV)..."), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Overlay a saved run"), {},
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty()) overlaySavedRun(path);
    });
    file->addAction(tr("Remove the overlay"), this, [this] {
        if (!charts_->hasOverlay()) return;
        charts_->clearOverlay();
        log_->append(tr("overlay removed"));
    });
    QAction* record = file->addAction(tr("&Record emissions (from the next start)"));
    record->setCheckable(true);
    connect(record, &QAction::toggled, this, [this](bool on) {
        const QString path =
            on ? QDir(QStandardPaths::writableLocation(QStandardPaths::TempLocation))
                     .filePath(session_->name() + QStringLiteral("-emissions.csv"))
               : QString();
        session_->setEmissionLog(path);
        log_->append(
            on ? tr("emissions will be recorded to %1 from the next start or restart").arg(path)
               : tr("emissions will not be recorded from the next start"));
    });
    file->addAction(tr("Export &emissions as CSV..."), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export emissions"), QStringLiteral("emissions.csv"), tr("CSV files (*.csv)"));
        if (!path.isEmpty()) exportEmissionsCsv(path);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, this, [this] { setZoom(zoom_ * 1.15); });
    view->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, this,
                    [this] { setZoom(zoom_ / 1.15); });
    view->addAction(tr("&Normal size"), QKeySequence(Qt::CTRL | Qt::Key_0), this,
                    [this] { setZoom(1.0); });
    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(start);
    run->addAction(stop);
    run->addAction(restart);
    run->addAction(reset);
}

QString MainWindow::overlaySavedRun(const QString& path) {
    QString error;
    const std::optional<SavedRun> run = readSavedRun(path, &error);
    if (!run) {
        report(tr("overlay not shown: %1").arg(error));
        return error;
    }
    charts_->setOverlay(*run);
    log_->append(tr("overlay: %1 (%2 s, target %3/s) drawn under the live run, both from "
                    "their start")
                     .arg(run->label)
                     .arg(run->latest.last().x(), 0, 'f', 1)
                     .arg(formatRate(run->target_rate)));
    return {};
}

void MainWindow::report(const QString& error) {
    log_->append(error);
    statusBar()->showMessage(error, 10000);
    if (!options_.unattended && isVisible()) QMessageBox::warning(this, tr("ThrottleLab"), error);
}

bool MainWindow::applyExperiment(const Experiment& x) {
    if (const QString e = session_->applyExperiment(x); !e.isEmpty()) {
        report(tr("experiment not applied: %1").arg(e));
        return false;
    }
    // A preset or an experiment starts a clean run: its text describes what a fresh run
    // shows, not one carrying the figures and scales of the runs before.
    if (const QString e = session_->startCleanRun(); !e.isEmpty())
        report(tr("cannot start: %1").arg(e));
    if (charts_)
        charts_->addMarker(tr("loaded: %1").arg(x.title.isEmpty() ? tr("custom") : x.title));
    // The markers of the run it was saved from: its story, told in the log.
    for (const TimelineMarker& m : x.markers)
        log_->append(tr("saved marker at %1 s: %2").arg(m.t_s, 0, 'f', 1).arg(m.text));
    controls_->setConfig(session_->config());
    controls_->setWorkerCount(x.workers);
    controls_->setWorkProfile(x.work_profile);
    showExplanation(x);
    return true;
}

void MainWindow::showExplanation(const Experiment& x) {
    title_ = x.title;
    edited_ = false;
    title_edit_->setText(x.title);
    explanation_->setPlainText(x.explanation);
    explanation_text_ = x.explanation;
    int i = preset_box_->findText(x.title);
    preset_box_->setCurrentIndex(i < 0 ? 0 : i);
    updateWindowTitle();
}

void MainWindow::setZoom(double zoom) {
    zoom_ = std::clamp(zoom, 0.8, 2.5);
    QFont f = font();
    f.setPointSizeF(base_point_size_ * zoom_);
    setFont(f);
    if (charts_) charts_->setZoom(zoom_);
}

void MainWindow::markEdited() {
    if (edited_) return;
    edited_ = true;
    // The preset's name and text no longer describe what runs: say so, keep the text.
    if (!title_.isEmpty()) title_ = tr("%1 (edited)").arg(title_);
    title_edit_->setText(title_);
    preset_box_->setCurrentIndex(0);
    if (!explanation_text_.isEmpty())
        explanation_->setPlainText(
            explanation_text_ +
            tr("\n\n(Settings changed since: the text above describes the original ones.)"));
    updateWindowTitle();
}

QString MainWindow::caption() const {
    const ThrottleConfig c = session_->config();
    return tr("%1 - max_n %2 per %3 s, hardcap %4, %5 mode, %6 workers (%7)")
        .arg(title_.isEmpty() ? tr("custom") : title_)
        .arg(c.max_n)
        .arg(c.per)
        .arg(toString(c.hardcap), toString(c.mode))
        .arg(session_->workerCount())
        .arg(session_->workProfile());
}

void MainWindow::updateWindowTitle() {
    setWindowTitle(tr("ThrottleLab - %1 [%2]")
                       .arg(title_.isEmpty() ? tr("custom") : title_, session_->name()));
}

QString MainWindow::title() const {
    return title_;
}

QString MainWindow::explanation() const {
    return explanation_text_;
}

bool MainWindow::applyPreset(const QString& name) {
    const auto p = findPreset(name);
    if (!p) {
        report(tr("no preset named '%1'").arg(name));
        return false;
    }
    return applyExperiment(p->experiment);
}

bool MainWindow::loadExperimentFile(const QString& path) {
    QString error;
    const auto x = Experiment::load(path, &error);
    if (!x) {
        report(tr("cannot load experiment: %1").arg(error));
        return false;
    }
    return applyExperiment(*x);
}

bool MainWindow::saveExperimentFile(const QString& path) {
    Experiment x = session_->currentExperiment();
    x.title = title_;
    x.explanation = explanation_text_;
    x.markers = charts_->markers(); // the run's story goes with its settings
    QString error;
    if (!x.save(path, &error)) {
        report(error);
        return false;
    }
    log_->append(tr("saved experiment to %1").arg(path));
    return true;
}

bool MainWindow::exportEmissionsCsv(const QString& path) {
    const QString source = session_->emissionLog();
    if (source.isEmpty() || !QFile::exists(source)) {
        report(tr("no emissions recorded: check File > Record emissions, then restart"));
        return false;
    }
    // The monitor may be appending as we read: keep whole rows only, and replace `path` only
    // once the copy is complete.
    QFile in(source);
    QSaveFile out(path);
    QByteArray rows = in.open(QIODevice::ReadOnly) ? in.readAll() : QByteArray();
    rows.truncate(rows.lastIndexOf('\n') + 1);
    if (!out.open(QIODevice::WriteOnly) || out.write(rows) != rows.size() || !out.commit()) {
        report(tr("cannot write '%1'").arg(path));
        return false;
    }
    log_->append(tr("exported emissions to %1").arg(path));
    return true;
}

bool MainWindow::takeScreenshot(const QString& path) {
    updateStatus();
    if (charts_) charts_->refresh();
    if (!grab().save(path, "PNG")) {
        log_->append(tr("cannot write screenshot '%1'").arg(path));
        return false;
    }
    return true;
}

QString MainWindow::statusText() const {
    return status_state_->text() + u' ' + status_totals_->text();
}

void MainWindow::updateStatus() {
    const SessionStatus s = session_->status();
    QString state = s.running ? tr("running") : tr("stopped");
    if (s.monitor_stalled) state += tr(" | monitor STALLED, statistics stale");
    if (s.throttle_stalled) state += tr(" | throttle process STALLED");
    if (const QString b = budget_->statusLine(); !b.isEmpty()) state += tr(" | ") + b;
    status_state_->setText(tr("%1: %2").arg(session_->name(), state));
    status_totals_->setText(
        tr("runtime %1 s | total %2 | mean %3/s | latest %4/s | target %5/s | workers %6")
            .arg(s.runtime_s, 0, 'f', 1)
            .arg(s.total)
            .arg(formatRate(s.mean_rate), formatRate(s.latest_rate), formatRate(s.target_rate))
            .arg(s.workers_alive));
}

void MainWindow::persist() {
    if (!options_.persist) return;
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/zoom"), zoom_);
    Experiment x = session_->currentExperiment();
    x.title = title_;
    x.explanation = explanation_text_;
    settings.setValue(QStringLiteral("experiment/last"), x.toJson());
    jobs_->saveSettings(settings);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!closed_) {
        closed_ = true;
        persist();
        if (options_.frame_stats && charts_)
            std::fprintf(stderr, "throttlelab: chart refresh: %s\n",
                         qPrintable(charts_->frameStats().summary()));
        if (options_.frame_stats && compare_->frameStats().count() > 0)
            std::fprintf(stderr, "throttlelab: A/B refresh: %s\n",
                         qPrintable(compare_->frameStats().summary()));
        jobs_->shutdown();
        compare_->shutdown();
        session_->shutdown();
    }
    event->accept();
}

} // namespace throttlelab::ui
