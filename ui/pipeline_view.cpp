#include "pipeline_view.h"

#include "job_key.h"
#include "number_format.h"
#include "pipeline_diagram.h"
#include "throttle_client.h"

#include <QApplication>
#include <QCheckBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

namespace throttlelab::ui {

namespace {

enum Column { Name, Workers, Done, Failed, InFlight, Queue, MostQueued, Rate, Limit, Columns };
const QString kDemoResource = QStringLiteral(":/pipelines/demo.json");

QTableWidgetItem* readOnly(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

} // namespace

PipelineView::PipelineView(QWidget* parent)
    : QWidget(parent) {
    file_ = new QLineEdit;
    file_->setPlaceholderText(tr("a pipeline file (JSON), or the demo"));
    auto* browse = new QPushButton(tr("Open..."));
    auto* demo = new QPushButton(tr("Demo"));
    demo->setToolTip(tr("Fetch under a 40/s limit, parse on 2 cores, store one at a time"));
    stash_ = new QLineEdit;
    stash_->setPlaceholderText(tr("results folder (empty: a temporary one for the demo)"));
    stop_if_error_ = new QCheckBox(tr("Stop at the first failure"));
    reprocess_ = new QCheckBox(tr("Redo failures"));
    start_ = new QPushButton(tr("Start / Resume"));
    cancel_ = new QPushButton(tr("Cancel"));
    cancel_->setEnabled(false);
    status_ = new QLabel;
    status_->setTextFormat(Qt::PlainText);
    error_ = new QLabel;
    error_->setTextFormat(Qt::PlainText);
    error_->setStyleSheet(QStringLiteral("color: #b00020;"));
    error_->setWordWrap(true);
    diagram_ = new PipelineDiagram;
    table_ = new QTableWidget(0, Columns);
    table_->setHorizontalHeaderLabels({tr("stage"), tr("workers"), tr("done"), tr("failed"),
                                       tr("in flight"), tr("queue"), tr("most queued"),
                                       tr("rate /s"), tr("limit /s")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setToolTip(tr("A stage's limit of its own changes live: edit its 'limit /s'"));
    failures_ = new QTableWidget(0, 3);
    failures_->setHorizontalHeaderLabels({tr("stage"), tr("key"), tr("why")});
    failures_->horizontalHeader()->setStretchLastSection(true);
    failures_->verticalHeader()->hide();
    failures_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    failures_->setToolTip(tr("Stored as failures of their stage; Redo failures runs them again"));

    auto* form = new QGridLayout;
    form->addWidget(new QLabel(tr("Pipeline")), 0, 0);
    form->addWidget(file_, 0, 1);
    form->addWidget(browse, 0, 2);
    form->addWidget(demo, 0, 3);
    form->addWidget(new QLabel(tr("Stash")), 1, 0);
    form->addWidget(stash_, 1, 1, 1, 3);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(stop_if_error_);
    buttons->addWidget(reprocess_);
    buttons->addStretch(1);
    buttons->addWidget(start_);
    buttons->addWidget(cancel_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(error_);
    layout->addWidget(diagram_, 2);
    layout->addWidget(status_);
    auto* tables = new QHBoxLayout;
    tables->addWidget(table_, 3);
    tables->addWidget(failures_, 2);
    layout->addLayout(tables, 1);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open a pipeline"), {}, tr("Pipelines (*.json)"));
        if (!path.isEmpty()) openFile(path);
    });
    connect(demo, &QPushButton::clicked, this, &PipelineView::openDemo);
    connect(start_, &QPushButton::clicked, this, [this] { startPipeline(); });
    connect(cancel_, &QPushButton::clicked, this, &PipelineView::cancelPipeline);
    connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (updating_table_ || item->column() != Limit) return;
        bool ok = false;
        const double rate = item->text().toDouble(&ok);
        const QString e =
            ok ? setStageRate(item->row(), rate)
               : tr("limit: '%1' is not a number of permits per second").arg(item->text());
        if (!e.isEmpty()) showError(e);
    });
    openDemo();
}

PipelineView::~PipelineView() {
    runner_.reset(); // kills and waits for its workers
}

QString PipelineView::errorText() const {
    return error_->text();
}

void PipelineView::showError(const QString& error) {
    error_->setText(error);
    if (!error.isEmpty()) Q_EMIT logged(tr("pipeline: %1").arg(error));
}

QString PipelineView::openFile(const QString& path) {
    if (isRunning()) return tr("a pipeline is running: cancel it first");
    pipeline::PipelineError error;
    auto spec = pipeline::readPipelineFile(path, QThread::idealThreadCount(), &error);
    if (!spec) {
        showError(error.message());
        return error.message();
    }
    spec_ = spec;
    spec_label_ = QFileInfo(path).fileName();
    file_->setText(path);
    showError({});
    showSpec();
    return {};
}

void PipelineView::openDemo() {
    if (isRunning()) return;
    QFile f(kDemoResource);
    pipeline::PipelineError error;
    if (f.open(QIODevice::ReadOnly))
        spec_ = pipeline::parsePipeline(f.readAll(), QThread::idealThreadCount(), {}, &error);
    spec_label_ = tr("demo");
    file_->setText(tr("(demo) fetch at 40/s, parse, store one at a time"));
    showError(spec_ ? QString() : error.message());
    showSpec();
}

void PipelineView::setStashPath(const QString& path) {
    stash_->setText(path);
}

// The stages as the file says, before anything runs.
void PipelineView::showSpec() {
    pipeline::PipelineProgress p;
    if (spec_) {
        for (const pipeline::StageSpec& s : spec_->stages) {
            pipeline::StageProgress st;
            st.name = s.name;
            st.workers = s.workers;
            st.capacity = s.queue;
            if (s.limit && s.limit->own) st.limit_rate = s.limit->own->targetRate();
            p.stages.push_back(st);
        }
    }
    showProgress(p);
    status_->setText(spec_ ? tr("%1: %2 stage(s), ready").arg(spec_label_).arg(spec_->stages.size())
                           : QString());
}

void PipelineView::showProgress(const pipeline::PipelineProgress& p) {
    last_ = p;
    diagram_->setProgress(p);
    updating_table_ = true;
    table_->setRowCount(int(p.stages.size()));
    for (int i = 0; i < int(p.stages.size()); ++i) {
        const pipeline::StageProgress& s = p.stages[std::size_t(i)];
        const QStringList cells{s.name,
                                QString::number(s.workers),
                                QString::number(s.done + s.already_stored),
                                QString::number(s.failed),
                                QString::number(s.in_flight),
                                QStringLiteral("%1/%2").arg(s.queued).arg(s.capacity),
                                QString::number(s.max_queued),
                                formatRate(s.rate)};
        for (int c = 0; c < cells.size(); ++c)
            table_->setItem(i, c, readOnly(cells[c]));
        // Only a limit of the stage's own is the user's to change (a shared one is not), and
        // a value being typed is not overwritten.
        // (An open editor is a focused child of the table.)
        const QWidget* focused = QApplication::focusWidget();
        const bool editing = focused && focused != table_ && table_->isAncestorOf(focused) &&
                             table_->currentRow() == i && table_->currentColumn() == Limit;
        const QString text = s.limit_rate > 0 ? QString::number(s.limit_rate, 'g', 6) : tr("none");
        if (!editing) {
            auto* item = new QTableWidgetItem(text);
            if (!(s.own_limit && isRunning())) item->setFlags(item->flags() & ~Qt::ItemIsEditable);
            table_->setItem(i, Limit, item);
        }
        for (int c = 0; c < Columns; ++c)
            if (QTableWidgetItem* item = table_->item(i, c))
                item->setBackground(p.bottleneck == i ? QBrush(QColor(255, 228, 200)) : QBrush());
    }
    updating_table_ = false;
    if (isRunning())
        status_->setText(tr("%1 of %2 keys through every stage, %3 failed, %4")
                             .arg(p.completed)
                             .arg(p.keys)
                             .arg(p.failed)
                             .arg(formatDuration(p.elapsed_s)));
}

QString PipelineView::setStageRate(int stage, double per_second) {
    if (!isRunning() || stage < 0 || stage >= int(last_.stages.size()))
        return tr("limit: a stage's limit changes while the pipeline runs");
    const pipeline::StageProgress& s = last_.stages[std::size_t(stage)];
    if (!s.own_limit) return tr("limit: stage %1 has no limit of its own to change").arg(s.name);
    QString error;
    auto client = ThrottleClient::attach(s.throttle, AttachAs::Observer, &error);
    if (!client) return tr("limit: %1").arg(error);
    const ThrottleConfig now = client->config();
    ConfigPatch patch;
    patch.max_n = std::llround(per_second * now.per);
    if (ConfigError e = client->changeConfig(patch)) return tr("limit: %1").arg(e.message());
    Q_EMIT logged(tr("pipeline: stage %1's limit set to %2/s").arg(s.name, formatRate(per_second)));
    showError({});
    return {};
}

QString PipelineView::startPipeline() {
    if (isRunning()) return {};
    if (!spec_) {
        const QString e = tr("open a pipeline file or the demo first");
        showError(e);
        return e;
    }
    pipeline::PipelineRunOptions o;
    o.stash_path = stash_->text().trimmed();
    if (o.stash_path.isEmpty()) {
        if (spec_label_ != tr("demo")) {
            const QString e = tr("stash: choose a folder for the results (a run resumes it)");
            showError(e);
            return e;
        }
        temporary_stash_ = std::make_unique<QTemporaryDir>();
        o.stash_path = temporary_stash_->filePath(QStringLiteral("demo"));
    }
    o.stop_if_error = stop_if_error_->isChecked();
    o.reprocess_failures = reprocess_->isChecked();
    runner_ = std::make_unique<pipeline::PipelineRunner>();
    connect(runner_.get(), &pipeline::PipelineRunner::logged, this,
            [this](const QString& line) { Q_EMIT logged(tr("pipeline: %1").arg(line)); });
    connect(runner_.get(), &pipeline::PipelineRunner::progressed, this,
            &PipelineView::showProgress);
    failures_->setRowCount(0);
    connect(runner_.get(), &pipeline::PipelineRunner::itemFailed, this,
            [this](const QString& stage, const QByteArray& key, const QString& why) {
                if (failures_->rowCount() >= kFailuresShown) return;
                const int row = failures_->rowCount();
                failures_->insertRow(row);
                failures_->setItem(row, 0, new QTableWidgetItem(stage));
                failures_->setItem(row, 1, new QTableWidgetItem(jobs::displayKey(key)));
                failures_->setItem(row, 2, new QTableWidgetItem(why));
            });
    connect(
        runner_.get(), &pipeline::PipelineRunner::finished, this,
        [this](const pipeline::PipelineSummary& s) {
            summary_ = s;
            setRunning(false);
            showProgress(s.progress);
            status_->setText(tr("%1 of %2 keys through every stage, %3 failed, %4 missing, in %5%6")
                                 .arg(s.progress.completed)
                                 .arg(s.progress.keys)
                                 .arg(s.progress.failed)
                                 .arg(s.missing)
                                 .arg(formatDuration(s.seconds))
                                 .arg(s.cancelled ? tr(" (cancelled)") : QString()));
            if (!s.error.isEmpty()) showError(s.error);
            Q_EMIT pipelineFinished();
        },
        Qt::QueuedConnection);
    if (const pipeline::PipelineRefusal r = runner_->prepare(*spec_, o)) {
        runner_.reset();
        showError(r.message);
        return r.message;
    }
    showError({});
    summary_.reset();
    setRunning(true);
    const QString e = runner_->start();
    if (!e.isEmpty()) showError(e);
    return e;
}

void PipelineView::cancelPipeline() {
    if (isRunning()) runner_->cancel();
}

void PipelineView::setRunning(bool running) {
    if (running_ == running) return;
    running_ = running;
    start_->setEnabled(!running);
    cancel_->setEnabled(running);
    file_->setEnabled(!running);
    stash_->setEnabled(!running);
    Q_EMIT runningChanged(running);
}

} // namespace throttlelab::ui
