#include "jobs_view.h"

#include "chart_adapter.h"
#include "job_failures_model.h"
#include "job_text.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

namespace throttlelab::ui {

namespace {

// A run of hours samples 5 times a second; beyond this many points every other one is dropped,
// so redrawing the chart stays cheap however long the job runs.
constexpr qsizetype kMaxChartPoints = 2000;

// Page order of the kind combos and their stacks.
enum ItemsPage { RangePage, FilePage };
enum TaskPage { SyntheticPage, CommandPage };

QHBoxLayout* row(std::initializer_list<QWidget*> widgets, int stretch_index = 0) {
    auto* layout = new QHBoxLayout;
    layout->setContentsMargins(0, 0, 0, 0);
    int i = 0;
    for (QWidget* w : widgets)
        layout->addWidget(w, i++ == stretch_index ? 1 : 0);
    return layout;
}

QWidget* page(QLayout* layout) {
    auto* w = new QWidget;
    layout->setContentsMargins(0, 0, 0, 0);
    w->setLayout(layout);
    return w;
}

} // namespace

JobsView::JobsView(QWidget* parent)
    : QWidget(parent) {
    form_ = buildForm();

    start_ = new QPushButton(tr("Start / resume"));
    start_->setObjectName(QStringLiteral("jobStart"));
    start_->setToolTip(tr("Run the task for every key the stash does not hold yet: a new stash "
                          "does them all, an interrupted job carries on where it stopped"));
    cancel_ = new QPushButton(tr("Cancel"));
    cancel_->setObjectName(QStringLiteral("jobCancel"));
    cancel_->setToolTip(tr("Stop the workers; results so far are kept, the rest stay missing"));
    cancel_->setEnabled(false);
    refresh_ = new QPushButton(tr("Refresh status"));
    refresh_->setObjectName(QStringLiteral("jobRefresh"));
    refresh_->setToolTip(tr("Read the stash's counts and failures again"));

    progress_ = new QProgressBar;
    progress_->setObjectName(QStringLiteral("jobProgress"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("%v of %m (%p%)"));
    status_ = new QLabel(tr("Set the items, the task and the stash, then Start."));
    status_->setObjectName(QStringLiteral("jobStatus"));
    status_->setTextFormat(Qt::PlainText);
    status_->setWordWrap(true);
    stash_status_ = new QLabel;
    stash_status_->setObjectName(QStringLiteral("jobStashStatus"));
    stash_status_->setTextFormat(Qt::PlainText);
    stash_status_->setWordWrap(true);
    error_ = new QLabel;
    error_->setObjectName(QStringLiteral("jobError"));
    error_->setTextFormat(Qt::PlainText);
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(QStringLiteral("QLabel { color: #b00000; font-weight: bold; }"));
    error_->hide();

    chart_ = new LineChart(tr("Throughput"), tr("results/s"));
    chart_->setXTitle(tr("seconds since start"));
    rate_line_ = chart_->addLine(tr("results/s"), QColor(31, 119, 180));
    limit_line_ = chart_->addLine(tr("limit"), QColor(214, 39, 40), 1.5, Qt::DashLine);
    chart_->setXRange(0, 10);
    chart_->setYRange(0, 1);

    failures_model_ = new JobFailuresModel(this);
    failures_view_ = new QTableView;
    failures_view_->setObjectName(QStringLiteral("jobFailures"));
    failures_view_->setModel(failures_model_);
    failures_view_->verticalHeader()->hide();
    failures_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    failures_view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    failures_view_->setWordWrap(false);
    failures_view_->horizontalHeader()->setSectionResizeMode(JobFailuresModel::Failure,
                                                             QHeaderView::Stretch);
    failures_view_->setColumnWidth(JobFailuresModel::Key, 180);
    failures_box_ = new QGroupBox(tr("Failures"));
    auto* failures_layout = new QVBoxLayout(failures_box_);
    failures_layout->addWidget(failures_view_);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(cancel_);
    buttons->addWidget(refresh_);
    buttons->addStretch(1);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(chart_);
    split->addWidget(failures_box_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* right = new QVBoxLayout;
    right->addLayout(buttons);
    right->addWidget(progress_);
    right->addWidget(status_);
    right->addWidget(stash_status_);
    right->addWidget(error_);
    right->addWidget(split, 1);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(form_);
    layout->addLayout(right, 1);

    connect(start_, &QPushButton::clicked, this, [this] { startJob(); });
    connect(cancel_, &QPushButton::clicked, this, &JobsView::cancelJob);
    connect(refresh_, &QPushButton::clicked, this, [this] { refreshStatus(); });

    setInputs(JobInputs());
}

JobsView::~JobsView() {
    endRunner();
}

QWidget* JobsView::buildForm() {
    items_kind_ = new QComboBox;
    items_kind_->setObjectName(QStringLiteral("jobItemsKind"));
    items_kind_->insertItem(RangePage, tr("Range"));
    items_kind_->insertItem(FilePage, tr("File"));
    range_ = new QLineEdit;
    range_->setObjectName(QStringLiteral("jobRange"));
    range_->setPlaceholderText(tr("N or A:B"));
    range_->setToolTip(tr("Numeric keys: N is 0 .. N-1, A:B is A <= key < B"));
    items_file_ = new QLineEdit;
    items_file_->setObjectName(QStringLiteral("jobItemsFile"));
    items_file_->setPlaceholderText(tr("a file with one key per line"));
    auto* items_browse = new QToolButton;
    items_browse->setText(tr("..."));
    items_browse->setToolTip(tr("Choose the items file"));
    items_stack_ = new QStackedWidget;
    items_stack_->insertWidget(RangePage, range_);
    items_stack_->insertWidget(FilePage, page(row({items_file_, items_browse})));

    task_kind_ = new QComboBox;
    task_kind_->setObjectName(QStringLiteral("jobTaskKind"));
    task_kind_->insertItem(SyntheticPage, tr("Synthetic"));
    task_kind_->insertItem(CommandPage, tr("Command"));
    profile_ = new QLineEdit;
    profile_->setObjectName(QStringLiteral("jobProfile"));
    profile_->setToolTip(tr("Work per item: none, fixed:5ms, uniform:1ms-10ms, exp:5ms, with :cpu "
                            "to spin instead of sleeping"));
    fail_rate_ = new QDoubleSpinBox;
    fail_rate_->setObjectName(QStringLiteral("jobFailRate"));
    fail_rate_->setRange(0, 1);
    fail_rate_->setDecimals(3);
    fail_rate_->setSingleStep(0.05);
    fail_rate_->setToolTip(tr("The probability that an item fails, to see failures and their "
                              "reprocessing; part of the task, so a stash keeps one rate"));
    auto* synthetic = new QFormLayout;
    synthetic->addRow(tr("Profile:"), profile_);
    synthetic->addRow(tr("Fail rate:"), fail_rate_);
    command_ = new QLineEdit;
    command_->setObjectName(QStringLiteral("jobCommand"));
    command_->setPlaceholderText(tr("e.g. curl -sfO {}"));
    command_->setToolTip(tr("The command per key, {} standing for the key (appended when absent). "
                            "Without a shell it is split into words and nothing is expanded, "
                            "so a key is never shell syntax"));
    shell_ = new QCheckBox(tr("Run with /bin/sh -c (the key is $1)"));
    shell_->setObjectName(QStringLiteral("jobShell"));
    auto* command = new QVBoxLayout;
    command->addWidget(command_);
    command->addWidget(shell_);
    task_stack_ = new QStackedWidget;
    task_stack_->insertWidget(SyntheticPage, page(synthetic));
    task_stack_->insertWidget(CommandPage, page(command));

    stash_ = new QLineEdit;
    stash_->setObjectName(QStringLiteral("jobStash"));
    stash_->setToolTip(tr("Where each key's result is kept: a .db file (SQLite), or a folder "
                          "(a path ending in /). Start again with the same stash to resume"));
    auto* stash_browse = new QToolButton;
    stash_browse->setText(tr("..."));
    stash_browse->setToolTip(tr("Choose the stash file"));

    workers_ = new QLineEdit;
    workers_->setObjectName(QStringLiteral("jobWorkers"));
    workers_->setToolTip(tr("Worker processes: N, 0 for every core, -N for cores - N, or a "
                            "fraction of the cores in (0, 1]"));
    chunk_size_ = new QSpinBox;
    chunk_size_->setObjectName(QStringLiteral("jobChunkSize"));
    chunk_size_->setRange(0, 1'000'000'000);
    chunk_size_->setSpecialValueText(tr("one chunk per worker"));
    chunk_size_->setToolTip(tr("Keys handed to a worker at a time"));

    max_n_ = new QSpinBox;
    max_n_->setObjectName(QStringLiteral("jobMaxN"));
    max_n_->setRange(1, int(kMaxPermitsPerWindow));
    max_n_->setToolTip(tr("Items started per period, at most"));
    per_ = new QDoubleSpinBox;
    per_->setObjectName(QStringLiteral("jobPer"));
    per_->setRange(0.001, kMaxPerSeconds);
    per_->setDecimals(3);
    per_->setSuffix(tr(" s"));
    per_->setToolTip(tr("The period, in seconds"));
    limit_kind_ = new QComboBox;
    limit_kind_->setObjectName(QStringLiteral("jobLimitKind"));
    limit_kind_->addItems({tr("the lab's throttle (left)"), tr("its own:"), tr("no limit")});
    limit_kind_->setToolTip(
        tr("The lab's throttle: the job takes its permits from the throttle the Monitor tab "
           "shows, so its live controls change the job's rate. Its own: a throttle of its "
           "own at the rate below. No limit: as fast as the workers go"));
    stop_if_error_ = new QCheckBox(tr("Stop at the first failure"));
    stop_if_error_->setObjectName(QStringLiteral("jobStopIfError"));
    reprocess_ = new QCheckBox(tr("Reprocess failures"));
    reprocess_->setObjectName(QStringLiteral("jobReprocessFailures"));
    reprocess_->setToolTip(tr("Run the keys stored as failures again; a plain resume leaves "
                              "them alone"));

    auto* per_label = new QLabel(tr("per"));
    auto* form = new QFormLayout;
    form->addRow(tr("Items:"), items_kind_);
    form->addRow(QString(), items_stack_);
    form->addRow(tr("Task:"), task_kind_);
    form->addRow(QString(), task_stack_);
    form->addRow(tr("Stash:"), row({stash_, stash_browse}));
    form->addRow(tr("Workers:"), workers_);
    form->addRow(tr("Chunk size:"), chunk_size_);
    form->addRow(tr("Permits from:"), limit_kind_);
    form->addRow(tr("Own limit:"), row({max_n_, per_label, per_}));
    form->addRow(QString(), stop_if_error_);
    form->addRow(QString(), reprocess_);
    // A stacked widget hands its pages all the height it gets: keep the kind-dependent rows at
    // their natural height and let the spare room gather below the form.
    for (QStackedWidget* stack : {items_stack_, task_stack_})
        stack->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto* box = new QGroupBox(tr("Job"));
    auto* box_layout = new QVBoxLayout(box);
    box_layout->addLayout(form);
    box_layout->addStretch(1);
    box->setMinimumWidth(320);
    box->setMaximumWidth(460);

    connect(items_kind_, &QComboBox::currentIndexChanged, items_stack_,
            &QStackedWidget::setCurrentIndex);
    connect(task_kind_, &QComboBox::currentIndexChanged, task_stack_,
            &QStackedWidget::setCurrentIndex);
    connect(limit_kind_, &QComboBox::currentIndexChanged, this, [this](int kind) {
        max_n_->setEnabled(kind == int(JobLimit::Own));
        per_->setEnabled(kind == int(JobLimit::Own));
    });
    connect(items_browse, &QToolButton::clicked, this, &JobsView::chooseItemsFile);
    connect(stash_browse, &QToolButton::clicked, this, &JobsView::chooseStash);
    return box;
}

JobInputs JobsView::inputs() const {
    JobInputs in;
    in.request.items = items_kind_->currentIndex() == FilePage ? jobs::JobRequest::Items::File
                                                               : jobs::JobRequest::Items::Range;
    in.request.range = range_->text();
    in.request.items_file = items_file_->text();
    in.request.task = task_kind_->currentIndex() == CommandPage ? jobs::JobRequest::Task::Command
                                                                : jobs::JobRequest::Task::Synthetic;
    in.request.command = command_->text();
    in.request.shell = shell_->isChecked();
    in.request.synthetic = profile_->text();
    in.request.fail_rate = fail_rate_->value();
    in.request.stash_path = stash_->text();
    in.request.workers = workers_->text();
    in.request.chunk_size = chunk_size_->value();
    in.limit = JobLimit(limit_kind_->currentIndex());
    in.max_n = max_n_->value();
    in.per = per_->value();
    in.request.stop_if_error = stop_if_error_->isChecked();
    in.request.reprocess_failures = reprocess_->isChecked();
    return in;
}

void JobsView::setInputs(const JobInputs& in) {
    items_kind_->setCurrentIndex(in.request.items == jobs::JobRequest::Items::File ? FilePage
                                                                                   : RangePage);
    range_->setText(in.request.range);
    items_file_->setText(in.request.items_file);
    task_kind_->setCurrentIndex(in.request.task == jobs::JobRequest::Task::Command ? CommandPage
                                                                                   : SyntheticPage);
    command_->setText(in.request.command);
    shell_->setChecked(in.request.shell);
    profile_->setText(in.request.synthetic);
    fail_rate_->setValue(in.request.fail_rate);
    stash_->setText(in.request.stash_path);
    workers_->setText(in.request.workers);
    chunk_size_->setValue(in.request.chunk_size);
    limit_kind_->setCurrentIndex(int(in.limit));
    max_n_->setValue(in.max_n);
    per_->setValue(in.per);
    // toggled() does not fire when the box already had this state.
    max_n_->setEnabled(in.limit == JobLimit::Own);
    per_->setEnabled(in.limit == JobLimit::Own);
    stop_if_error_->setChecked(in.request.stop_if_error);
    reprocess_->setChecked(in.request.reprocess_failures);
}

void JobsView::saveSettings(QSettings& settings) const {
    saveJobInputs(settings, inputs());
}

void JobsView::restoreSettings(const QSettings& settings) {
    setInputs(loadJobInputs(settings));
}

QString JobsView::startJob() {
    if (running_) {
        const QString e = tr("a job is running: cancel it or wait for its end");
        showError(e);
        return e;
    }
    clearMarks();
    showError({});
    const JobInputs in = inputs();
    jobs::JobError refused;
    if (in.limit == JobLimit::Lab && lab_throttle_.isEmpty()) {
        const QString e = tr("there is no lab throttle to take permits from: choose its own "
                             "limit or no limit");
        showError(e);
        return e;
    }
    auto spec =
        jobs::toJobSpec(toJobRequest(in, lab_throttle_), QThread::idealThreadCount(), &refused);
    if (spec && in.request.stash_path.trimmed() == defaultJobStashPath())
        QDir().mkpath(QFileInfo(spec->stash_path).absolutePath()); // the app's own folder
    // The previous run ended (running_ is false); its runner goes before a new one is made.
    endRunner();
    if (spec) {
        // The engine names a job's throttle job-<pid>, one run per process as in the CLI; the
        // app runs many, and a name is never reused while an earlier segment may linger.
        static int runs = 0;
        spec->throttle_name =
            QStringLiteral("job-%1-%2").arg(QCoreApplication::applicationPid()).arg(++runs);
        runner_ = std::make_unique<jobs::JobRunner>();
        connect(runner_.get(), &jobs::JobRunner::logged, this,
                [this](const QString& e) { Q_EMIT logged(tr("job: %1").arg(e)); });
        connect(runner_.get(), &jobs::JobRunner::progressed, this,
                [this](const jobs::JobProgress& p) {
                    showProgress(p);
                    plot(p);
                });
        // Queued: the runner emits it from inside itself, and whoever hears jobFinished() may
        // start the next run, which replaces the runner.
        connect(runner_.get(), &jobs::JobRunner::finished, this, &JobsView::finished,
                Qt::QueuedConnection);
        refused = runner_->prepare(*spec);
        // A runner that did not prepare holds the stash and its lock: let both go now.
        if (refused) runner_.reset();
    }
    if (refused) {
        const QString error = refused.message();
        showError(error);
        markInvalidField(refused.input);
        Q_EMIT logged(tr("job not started: %1").arg(error));
        return error;
    }
    summary_.reset();
    on_lab_ = in.limit == JobLimit::Lab;
    held_ = false;
    rate_points_.clear();
    rate_top_ = 0;
    chart_->setPoints(rate_line_, {});
    chart_->setPoints(limit_line_, {});
    chart_->setXRange(0, 10);
    setRunning(true);
    showProgress(runner_->progress());
    Q_EMIT logged(tr("job: %1 over %2, stash %3")
                      .arg(spec->task.fingerprint(), spec->items.describe(), spec->stash_path));
    const QString error = runner_->start();
    // A failure to start still ends through on_finished, which shows the summary.
    if (!error.isEmpty()) showError(error);
    return error;
}

void JobsView::labThrottleRunning(bool running) {
    if (!running_ || !on_lab_ || held_ == !running) return;
    held_ = !running;
    if (held_) {
        status_->setText(tr("Held: the lab throttle is stopped. The job goes on when it "
                            "starts again (Start, a preset, Restart)."));
        Q_EMIT logged(tr("job: held while the lab throttle is stopped"));
    } else {
        Q_EMIT logged(tr("job: goes on, at the lab throttle's new settings"));
    }
}

void JobsView::cancelJob() {
    if (runner_ && running_) runner_->cancel();
}

void JobsView::shutdown() {
    if (running_)
        Q_EMIT logged(tr("job: ended because the window closes; unfinished keys stay missing "
                         "and the next Start resumes them"));
    endRunner();
    setRunning(false);
}

void JobsView::endRunner() {
    if (!runner_) return;
    // Its destructor kills the workers and waits for them, and tells nobody.
    runner_->disconnect(this);
    runner_.reset();
}

QString JobsView::refreshStatus() {
    const QString path = stash_->text().trimmed();
    QString error;
    auto stash = jobs::Stash::open(path, jobs::guessStashFormat(path),
                                   jobs::Stash::Access::ExistingReadOnly, &error);
    if (!stash) {
        counts_.reset();
        failures_model_->clear();
        failures_box_->setTitle(tr("Failures"));
        stash_status_->setText(tr("Stash: %1").arg(error));
        return error;
    }
    const jobs::StashCounts c = stash->counts();
    counts_ = c;
    failures_model_->setFailures(stash->failures());
    failures_box_->setTitle(tr("Failures (%1)").arg(failures_model_->rowCount()));
    stash_status_->setText(
        tr("Stash %1: %2 key(s), %3 done, %4 failed, %5 missing")
            .arg(QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName())
            .arg(c.total)
            .arg(c.done)
            .arg(c.failed)
            .arg(c.missing));
    stash_status_->setToolTip(tr("%1\ntask: %2").arg(path, stash->task()));
    return {};
}

QString JobsView::errorText() const {
    return error_->text();
}

QString JobsView::statusText() const {
    return status_->text();
}

QString JobsView::throttleName() const {
    return runner_ ? runner_->throttleName() : QString();
}

void JobsView::showError(const QString& error) {
    error_->setText(error);
    error_->setVisible(!error.isEmpty());
}

void JobsView::markInvalidField(jobs::JobInput input) {
    using jobs::JobInput;
    const std::pair<JobInput, QWidget*> fields[] = {
        {JobInput::Range, range_},          {JobInput::Items, items_file_},
        {JobInput::Command, command_},      {JobInput::Synthetic, profile_},
        {JobInput::FailRate, fail_rate_},   {JobInput::Workers, workers_},
        {JobInput::ChunkSize, chunk_size_}, {JobInput::Stash, stash_},
        {JobInput::MaxN, max_n_},           {JobInput::Per, per_},
        {JobInput::Rate, max_n_},           {JobInput::Rate, per_}};
    marked_input_ = input;
    for (const auto& [about, field] : fields)
        if (about == input) {
            field->setStyleSheet(QStringLiteral("background: #ffd0d0;"));
            marked_ << field;
        }
}

void JobsView::clearMarks() {
    for (QWidget* field : std::as_const(marked_))
        field->setStyleSheet({});
    marked_.clear();
    marked_input_ = jobs::JobInput::None;
}

void JobsView::setRunning(bool running) {
    form_->setEnabled(!running);
    start_->setEnabled(!running);
    cancel_->setEnabled(running);
    if (running == running_) return;
    running_ = running;
    Q_EMIT runningChanged(running);
}

void JobsView::showProgress(const jobs::JobProgress& p) {
    if (p.to_do <= 0) {
        // Nothing to do is a finished run, not a busy indicator (which a 0..0 range would be).
        progress_->setRange(0, 1);
        progress_->setValue(1);
    } else {
        // Against all the keys: a resumed run starts where the last one stopped, not at 0.
        progress_->setRange(0, int(std::min<long long>(p.total, INT_MAX)));
        progress_->setValue(
            int(std::min<long long>(p.already_stored + p.done + p.failed, INT_MAX)));
    }
    if (!held_) status_->setText(jobs::jobProgressText(p));
}

void JobsView::plot(const jobs::JobProgress& p) {
    rate_points_.append(QPointF(p.elapsed_s, p.rate));
    if (rate_points_.size() > kMaxChartPoints) {
        QList<QPointF> thinned;
        thinned.reserve(rate_points_.size() / 2 + 1);
        for (qsizetype i = 0; i < rate_points_.size(); i += 2)
            thinned << rate_points_[i];
        rate_points_ = thinned;
    }
    rate_top_ = std::max(rate_top_, p.rate);
    chart_->setPoints(rate_line_, rate_points_);
    if (p.limit_rate > 0)
        chart_->setPoints(limit_line_, {QPointF(0, p.limit_rate),
                                        QPointF(std::max(10.0, p.elapsed_s), p.limit_rate)});
    chart_->setXRange(0, std::max(10.0, p.elapsed_s));
    chart_->setYRange(0, std::max({1.0, rate_top_, p.limit_rate}) * 1.15);
}

void JobsView::finished(const jobs::JobSummary& s) {
    summary_ = s;
    showProgress(s.progress);
    refreshStatus();
    // After the refresh, which reports on the stash alone: the run's own outcome is the news.
    status_->setText(jobs::jobSummaryText(s));
    showError(s.error);
    setRunning(false);
    Q_EMIT logged(tr("job: %1").arg(jobs::jobSummaryText(s)));
    Q_EMIT jobFinished();
}

void JobsView::chooseItemsFile() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Items: one key per line"), QFileInfo(items_file_->text()).absolutePath(),
        tr("Text files (*.txt *.csv *.lst);;All files (*)"));
    if (!path.isEmpty()) items_file_->setText(path);
}

void JobsView::chooseStash() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Stash"), stash_->text(),
                                                      tr("Stashes (*.db);;All files (*)"), nullptr,
                                                      QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) stash_->setText(path);
}

} // namespace throttlelab::ui
