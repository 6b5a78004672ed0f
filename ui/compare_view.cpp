#include "compare_view.h"

#include "chart_adapter.h"
#include "control_panel.h"
#include "number_format.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace throttlelab::ui {

namespace {

constexpr int kFrameMs = 100;
const QColor kSideColor[2] = {QColor(31, 119, 180), QColor(214, 39, 40)};
const char* const kSideName[2] = {"A", "B"};

enum Row { Settings, Latest, Mean, Total, LongestGap, MaxInWindow, RowCount };

} // namespace

QList<CompareView::Pair> CompareView::pairs() {
    QList<Pair> out;
    auto [a, b] = classicAgainstExact();
    out.append({tr("Classic against exact at 200/s: classic drifts below its target"), a, b});
    a.title = QStringLiteral("A: limit");
    a.config.mode = PacingMode::Exact;
    a.config.hardcap = Hardcap::Limit;
    a.config.max_n = 10;
    a.work_profile = QStringLiteral("exp:200ms:sleep");
    b = a;
    b.title = QStringLiteral("B: window");
    b.config.hardcap = Hardcap::Window;
    out.append(
        {tr("limit against window at 10/s, bursty workers: see 'most in any window'"), a, b});
    a = classicAgainstExact().first;
    a.title = QStringLiteral("A: 4 workers");
    a.config.mode = PacingMode::Exact;
    a.work_profile = QStringLiteral("fixed:30ms:sleep");
    b = a;
    b.title = QStringLiteral("B: 8 workers");
    b.workers = 8;
    out.append(
        {tr("4 against 8 workers of 30 ms each at 200/s: too few workers cannot reach it"), a, b});
    return out;
}

std::pair<Experiment, Experiment> CompareView::classicAgainstExact() {
    Experiment a;
    a.title = QStringLiteral("A: classic");
    a.config.max_n = 200;
    a.config.per = 1;
    a.config.mode = PacingMode::Classic;
    a.workers = 4;
    a.work_profile = QStringLiteral("none");
    Experiment b = a;
    b.title = QStringLiteral("B: exact");
    b.config.mode = PacingMode::Exact;
    return {a, b};
}

CompareView::CompareView(const QString& base_name, QWidget* parent)
    : QWidget(parent)
    , t0_(monotonicNow()) {
    rate_chart_ = new LineChart(tr("Latest rate, A and B"), tr("permits/s"));
    gap_chart_ =
        new LineChart(tr("Longest gap (hi_lo), A and B"), tr("ms (log)"), LineChart::YScale::Log);
    auto* charts = new QVBoxLayout;
    charts->addWidget(rate_chart_, 1);
    charts->addWidget(gap_chart_, 1);

    auto* row = new QHBoxLayout;
    for (int i = 0; i < 2; ++i) {
        Side& s = sides_[std::size_t(i)];
        s.session =
            new EngineSession(QStringLiteral("%1-%2").arg(base_name).arg(QChar(u'a' + i)), this);
        connect(s.session, &EngineSession::logged, this, [this, i](const QString& line) {
            Q_EMIT logged(QStringLiteral("%1: %2").arg(QLatin1String(kSideName[i]), line));
        });
        s.controls = new ControlPanel;
        connect(s.controls, &ControlPanel::configEdited, s.session,
                [this, i](const ThrottleConfig& c) {
                    if (const ConfigError e = sides_[std::size_t(i)].session->applyConfig(c))
                        Q_EMIT logged(e.message());
                });
        connect(s.controls, &ControlPanel::workerCountEdited, s.session,
                &EngineSession::setWorkerCount);
        connect(s.controls, &ControlPanel::workProfileEdited, s.session,
                [session = s.session](const QString& p) { session->setWorkProfile(p); });
        auto* box = new QGroupBox(tr("Side %1").arg(QLatin1String(kSideName[i])));
        box->setStyleSheet(QStringLiteral("QGroupBox { color: %1; font-weight: bold; }")
                               .arg(kSideColor[i].name()));
        auto* box_layout = new QVBoxLayout(box);
        box_layout->addWidget(s.controls);
        box->setMaximumWidth(300);
        // Short names: the legend of a narrow chart elides long ones.
        rate_lines_[i] = rate_chart_->addLine(QLatin1String(kSideName[i]), kSideColor[i], 2.0);
        target_lines_[i] = rate_chart_->addLine(tr("%1 target").arg(QLatin1String(kSideName[i])),
                                                kSideColor[i], 1.0, Qt::DashLine);
        gap_lines_[i] = gap_chart_->addLine(QLatin1String(kSideName[i]), kSideColor[i], 2.0);
        if (i == 0) row->addWidget(box);
        if (i == 0) row->addLayout(charts, 1);
        if (i == 1) row->addWidget(box);
    }

    table_ = new QTableWidget(RowCount, 2);
    table_->setObjectName(QStringLiteral("compareTable"));
    table_->setHorizontalHeaderLabels({tr("A"), tr("B")});
    table_->setVerticalHeaderLabels({tr("settings"), tr("latest /s"), tr("mean /s"), tr("total"),
                                     tr("longest gap"), tr("most in any window")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setMaximumHeight(200);

    start_ = new QPushButton(tr("Start both"));
    stop_ = new QPushButton(tr("Stop both"));
    connect(start_, &QPushButton::clicked, this, &CompareView::startBoth);
    connect(stop_, &QPushButton::clicked, this, &CompareView::stopBoth);
    pair_box_ = new QComboBox;
    pair_box_->setObjectName(QStringLiteral("comparePair"));
    for (const Pair& p : pairs())
        pair_box_->addItem(p.what);
    connect(pair_box_, &QComboBox::activated, this, [this](int i) {
        const QList<Pair> all = pairs();
        if (i >= 0 && i < all.size()) setSides(all[i].a, all[i].b);
        if (isRunning()) startBoth();
    });
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(pair_box_, 1);
    buttons->addWidget(start_);
    buttons->addWidget(stop_);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(tr("Two throttles of their own, each with its own workers, on the "
                                    "same machine; change either side live.")));
    layout->addLayout(row, 1);
    layout->addWidget(table_);

    const auto [a, b] = classicAgainstExact();
    setSides(a, b);
    timer_.setInterval(kFrameMs);
    connect(&timer_, &QTimer::timeout, this, &CompareView::tick);
    timer_.start();
}

CompareView::~CompareView() {
    shutdown();
}

void CompareView::shutdown() {
    timer_.stop();
    for (Side& s : sides_)
        s.session->shutdown();
}

void CompareView::setSides(const Experiment& a, const Experiment& b) {
    const Experiment* x[2] = {&a, &b};
    for (int i = 0; i < 2; ++i) {
        Side& s = sides_[std::size_t(i)];
        s.session->applyExperiment(*x[i]);
        s.controls->setConfig(x[i]->config);
        s.controls->setWorkerCount(x[i]->workers);
        s.controls->setWorkProfile(x[i]->work_profile);
    }
}

void CompareView::startBoth() {
    for (Side& s : sides_) {
        s.latest.clear();
        s.longest_gap.clear();
        if (const QString e = s.session->startCleanRun(); !e.isEmpty()) Q_EMIT logged(e);
    }
}

void CompareView::stopBoth() {
    for (Side& s : sides_)
        s.session->stop();
}

bool CompareView::isRunning() const {
    return sides_[0].session->isRunning() || sides_[1].session->isRunning();
}

int CompareView::drawnPoints(int side) const {
    return rate_chart_->pointCount(rate_lines_[side]);
}

void CompareView::tick() {
    QElapsedTimer frame;
    frame.start();
    const double now_x = toSeconds(monotonicNow() - t0_);
    const double x0 = std::max(0.0, now_x - window_s_);
    const double x1 = x0 + window_s_;
    double top = 1, gap_lo = 0, gap_hi = 0;
    for (int i = 0; i < 2; ++i) {
        Side& s = sides_[std::size_t(i)];
        std::uint64_t next = s.next_index;
        for (const HistorySample& h : s.session->readHistory(s.next_index, &next)) {
            const double x = toSeconds(h.t_ns - t0_);
            if (x <= s.last_x) continue;
            s.last_x = x;
            s.latest.append(x, h.latest_rate);
            if (h.hi_lo_rate > 0) s.longest_gap.append(x, 1e3 / h.hi_lo_rate); // ms
        }
        s.next_index = next;
        double t = 0;
        rate_chart_->setPoints(rate_lines_[i],
                               s.latest.decimated(x0, x1, rate_chart_->plotWidth(), &t));
        top = std::max(top, t);
        const double target = s.session->config().targetRate();
        rate_chart_->setPoints(target_lines_[i], {{x0, target}, {x1, target}});
        top = std::max(top, target);
        double g = 0;
        const QList<QPointF> gaps = s.longest_gap.decimated(x0, x1, gap_chart_->plotWidth(), &g);
        gap_chart_->setPoints(gap_lines_[i], gaps);
        gap_hi = std::max(gap_hi, g);
        for (const QPointF& p : gaps)
            if (p.y() > 0) gap_lo = gap_lo > 0 ? std::min(gap_lo, p.y()) : p.y();
    }
    rate_chart_->setXRange(x0, x1);
    rate_chart_->setYRange(0, top * 1.3);
    gap_chart_->setXRange(x0, x1);
    gap_chart_->setYRange(gap_lo > 0 ? gap_lo : 0.1, std::max(gap_hi, 1.0));
    refreshTable();
    // Only while both run: an idle tab's refresh costs nothing worth counting.
    if (frame_stats_enabled_ && isRunning()) frame_stats_.add(frame.nsecsElapsed());
}

void CompareView::refreshTable() {
    for (int i = 0; i < 2; ++i) {
        const EngineSession* s = sides_[std::size_t(i)].session;
        const ThrottleConfig c = s->config();
        const StatsSnapshot st = s->stats();
        const QString cells[RowCount] = {tr("%1 per %2 s, %3, %4, %5 workers")
                                             .arg(c.max_n)
                                             .arg(c.per)
                                             .arg(toString(c.mode), toString(c.hardcap))
                                             .arg(s->workerCount()),
                                         formatRate(st.latest.rate),
                                         formatRate(st.mean.rate),
                                         QString::number(st.total),
                                         formatGap(st.hi_lo.interval_s),
                                         QString::number(st.max_in_window)};
        for (int r = 0; r < RowCount; ++r) {
            QTableWidgetItem* item = table_->item(r, i);
            if (!item) table_->setItem(r, i, item = new QTableWidgetItem);
            if (item->text() != cells[r]) item->setText(cells[r]);
        }
    }
}

} // namespace throttlelab::ui
