#include "chart_panel.h"
#include "csv_writer.h"

#include "chart_adapter.h"

#include <QComboBox>
#include <QEvent>
#include <QFile>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSaveFile>
#include <QTextStream>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace throttlelab::ui {

namespace {

constexpr int kFrameMs = 33;
// Ten minutes at rf_rate 0.01 s, with room for faster monitor refreshes.
constexpr std::size_t kCapacity = 1 << 17;
constexpr std::size_t kCsvRows = 1 << 17;
constexpr std::size_t kMarkersKept = 500;

const QColor kLatest(31, 119, 180);
const QColor kMean(44, 160, 44);
const QColor kTarget(214, 39, 40);
const QColor kHiLo(148, 103, 189);
const QColor kLoHi(255, 127, 14);
const QColor kTank(23, 190, 207);

} // namespace

ChartPanel::ChartPanel(EngineSession* session, QWidget* parent)
    : QWidget(parent)
    , session_(session)
    , t0_(monotonicNow()) {
    for (SeriesBuffer& b : buffers_)
        b = SeriesBuffer(kCapacity);

    rate_chart_ = new LineChart(tr("Rate against target"), tr("permits/s"));
    line_ids_[Latest] = rate_chart_->addLine(tr("latest"), kLatest, 2.0);
    line_ids_[Mean] = rate_chart_->addLine(tr("mean"), kMean, 2.0);
    line_ids_[Target] = rate_chart_->addLine(tr("target"), kTarget, 1.5, Qt::DashLine);
    overlay_line_ = rate_chart_->addLine(tr("saved run"), QColor(120, 120, 120), 2.0, Qt::DotLine);
    rate_chart_->setLineVisible(overlay_line_, false);

    // The reference's hi_lo and lo_hi are the longest and the shortest gap between two
    // permits in the last window; drawn as gaps, in a time unit that keeps labels short.
    extremes_chart_ = new LineChart(tr("Gaps between permits in the last window"), tr("ms (log)"),
                                    LineChart::YScale::Log);
    line_ids_[HiLo] = extremes_chart_->addLine(tr("longest gap (hi_lo)"), kHiLo, 2.0);
    line_ids_[LoHi] = extremes_chart_->addLine(tr("shortest gap (lo_hi)"), kLoHi, 2.0);

    tank_chart_ = new LineChart(tr("Tank: permits available now"), tr("permits"));
    line_ids_[Available] = tank_chart_->addLine(tr("available"), kTank, 2.0);

    worker_chart_ = new BarChart(tr("Permits per worker"), tr("permits"), kLatest);
    worker_chart_->setXTitle(tr("worker pid"));

    grid_ = new QWidget;
    auto* grid = new QGridLayout(grid_);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    grid->addWidget(rate_chart_, 0, 0);
    grid->addWidget(extremes_chart_, 0, 1);
    grid->addWidget(tank_chart_, 1, 0);
    grid->addWidget(worker_chart_, 1, 1);
    charts_ = {rate_chart_, extremes_chart_, tank_chart_, worker_chart_};
    for (QWidget* chart : charts_) {
        chart->setToolTip(tr("Double-click: this chart alone, and back"));
        for (QWidget* child : chart->findChildren<QWidget*>())
            child->installEventFilter(this);
    }

    window_box_ = new QComboBox;
    const std::pair<const char*, double> windows[] = {
        {"10 s", 10}, {"30 s", 30}, {"1 min", 60}, {"2 min", 120}, {"5 min", 300}, {"10 min", 600}};
    for (const auto& [label, seconds] : windows)
        window_box_->addItem(tr(label), seconds);
    window_box_->setCurrentIndex(1);
    connect(window_box_, &QComboBox::currentIndexChanged, this,
            [this](int i) { setWindowSeconds(window_box_->itemData(i).toDouble()); });
    pause_button_ = new QPushButton(tr("Pause"));
    pause_button_->setCheckable(true);
    pause_button_->setToolTip(tr("Freeze the charts; data keeps being collected"));
    connect(pause_button_, &QPushButton::toggled, this, &ChartPanel::setPaused);

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Time window:")));
    bar->addWidget(window_box_);
    bar->addWidget(pause_button_);
    bar->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(grid_, 1);

    connect(session_, &EngineSession::workersUpdated, this, &ChartPanel::updateBars);
    timer_.setInterval(kFrameMs);
    timer_.setTimerType(Qt::PreciseTimer);
    connect(&timer_, &QTimer::timeout, this, &ChartPanel::tick);
    timer_.start();
}

ChartPanel::~ChartPanel() = default;

void ChartPanel::addMarker(const QString& text) {
    const Nanos now = monotonicNow();
    markers_.push_back({now, toSeconds(now - t0_), text});
    while (markers_.size() > kMarkersKept)
        markers_.pop_front();
    render();
}

QStringList ChartPanel::markerTexts() const {
    QStringList out;
    for (const Marker& m : markers_)
        out << m.text;
    return out;
}

QList<TimelineMarker> ChartPanel::markers() const {
    QList<TimelineMarker> out;
    for (const Marker& m : markers_)
        out.append({m.x, m.text});
    return out;
}

int ChartPanel::drawnMarkers() const {
    return rate_chart_->markerCount();
}

void ChartPanel::clearRun() {
    for (SeriesBuffer& b : buffers_)
        b.clear();
    history_.clear();
    worker_chart_->setBars({}, {});
    run_start_x_ = toSeconds(monotonicNow() - t0_);
    render();
}

void ChartPanel::setOverlay(const SavedRun& run) {
    overlay_ = run;
    rate_chart_->setLineName(overlay_line_, tr("saved: %1").arg(run.label));
    rate_chart_->setLineVisible(overlay_line_, true);
    render();
}

void ChartPanel::clearOverlay() {
    overlay_.reset();
    rate_chart_->setPoints(overlay_line_, {});
    rate_chart_->setLineVisible(overlay_line_, false);
    render();
}

int ChartPanel::drawnOverlayPoints() const {
    return rate_chart_->pointCount(overlay_line_);
}

void ChartPanel::setPaused(bool paused) {
    paused_ = paused;
    if (pause_button_->isChecked() != paused) pause_button_->setChecked(paused);
    pause_button_->setText(paused ? tr("Resume") : tr("Pause"));
}

void ChartPanel::setWindowSeconds(double seconds) {
    window_s_ = std::clamp(seconds, 10.0, 600.0);
    const int i = window_box_->findData(window_s_);
    if (i >= 0 && i != window_box_->currentIndex()) window_box_->setCurrentIndex(i);
    render();
}

int ChartPanel::drawnPoints(Series s) const {
    switch (s) {
    case Latest:
    case Mean:
    case Target:
        return rate_chart_->pointCount(line_ids_[s]);
    case HiLo:
    case LoHi:
        return extremes_chart_->pointCount(line_ids_[s]);
    case Available:
        return tank_chart_->pointCount(line_ids_[s]);
    case SeriesCount:
        break;
    }
    return 0;
}

int ChartPanel::workerBars() const {
    return worker_chart_->barCount();
}

void ChartPanel::tick() {
    QElapsedTimer frame;
    frame.start();
    std::uint64_t next = next_index_;
    const std::vector<HistorySample> samples = session_->readHistory(next_index_, &next);
    next_index_ = next;
    for (const HistorySample& s : samples) {
        const double x = toSeconds(s.t_ns - t0_);
        if (x <= last_x_) continue; // a restarted segment replays nothing twice
        // Silence longer than a few of the monitor's refreshes (at least 1 s) is a stop or an
        // idle period: nothing is drawn across it.
        const double silence = std::max(1.0, 3 * session_->config().rf_rate);
        if (last_x_ >= 0 && x - last_x_ > silence) {
            breaks_.push_back(x);
            while (breaks_.size() > kMarkersKept)
                breaks_.pop_front();
        }
        last_x_ = x;
        buffers_[Latest].append(x, s.latest_rate);
        buffers_[Mean].append(x, s.mean_rate);
        buffers_[Target].append(x, s.target_rate);
        // Gaps in seconds. A log axis cannot show 0 (no gap measured yet): left out.
        if (s.hi_lo_rate > 0) buffers_[HiLo].append(x, 1.0 / s.hi_lo_rate);
        if (s.lo_hi_rate > 0) buffers_[LoHi].append(x, 1.0 / s.lo_hi_rate);
        buffers_[Available].append(x, double(std::max<long long>(s.available, 0)));
        history_.push_back(s);
        if (history_.size() > kCsvRows) history_.pop_front();
    }
    // Behind another tab nothing is drawn (the A/B tab beside a 100k/s lab paid 1.6 ms a
    // frame for charts nobody saw); the history is still read, and showing the tab draws it.
    if (!paused_ && !hiddenBehindATab()) render();
    if (frame_stats_enabled_) frame_stats_.add(frame.nsecsElapsed());
}

void ChartPanel::render() {
    // Fills left to right during the first window, then scrolls.
    const double x0 = std::max(0.0, toSeconds(monotonicNow() - t0_) - window_s_);
    const double x1 = x0 + window_s_;
    // A line is cut wherever data resumed after a silence.
    auto pieces = [&](const QList<QPointF>& pts) {
        QList<QList<QPointF>> out{QList<QPointF>()};
        auto next_break = std::upper_bound(breaks_.begin(), breaks_.end(), x0);
        for (const QPointF& p : pts) {
            bool cut = false;
            while (next_break != breaks_.end() && *next_break <= p.x()) {
                cut = true;
                ++next_break;
            }
            if (cut && !out.last().isEmpty()) out.append(QList<QPointF>());
            out.last().append(p);
        }
        return out;
    };
    auto draw = [&](LineChart* chart, Series s) {
        double top = 0;
        const QList<QPointF> pts = buffers_[s].decimated(x0, x1, chart->plotWidth(), &top);
        const QList<QList<QPointF>> cut = pieces(pts);
        chart->setSegments(line_ids_[s], cut);
        if (s == Latest) latest_pieces_ = int(cut.size());
        return std::make_pair(top, pts);
    };
    // The mean is left out of the scale: over the first milliseconds of a run it is huge and
    // would flatten everything else for the whole window.
    draw(rate_chart_, Mean);
    double top_rate = std::max(draw(rate_chart_, Latest).first, draw(rate_chart_, Target).first);
    if (overlay_) {
        QList<QPointF> shifted;
        for (const QPointF& p : overlay_->latest) {
            const double x = p.x() + run_start_x_;
            if (x < x0 || x > x1) continue;
            shifted.append(QPointF(x, p.y()));
            top_rate = std::max(top_rate, p.y());
        }
        rate_chart_->setPoints(overlay_line_, shifted);
    }
    rate_chart_->setXRange(x0, x1);
    rate_chart_->setYRange(0, std::max(1.0, top_rate * 1.3));

    // Gaps: the unit follows the longest gap in view, so the axis reads 0.1 .. 100, not 1e-07.
    QList<QPointF> gaps[2];
    double lo = 0, hi = 0;
    for (int i = 0; i < 2; ++i) {
        double top = 0;
        gaps[i] =
            buffers_[i == 0 ? HiLo : LoHi].decimated(x0, x1, extremes_chart_->plotWidth(), &top);
        hi = std::max(hi, top);
        for (const QPointF& p : gaps[i])
            if (p.y() > 0) lo = lo > 0 ? std::min(lo, p.y()) : p.y();
    }
    const auto [unit, scale] = hi >= 1      ? std::pair{QStringLiteral("s"), 1.0}
                               : hi >= 1e-3 ? std::pair{QStringLiteral("ms"), 1e3}
                                            : std::pair{QStringLiteral("us"), 1e6};
    if (unit != gap_unit_) {
        gap_unit_ = unit;
        extremes_chart_->setYTitle(tr("%1 (log)").arg(unit));
    }
    for (int i = 0; i < 2; ++i) {
        for (QPointF& p : gaps[i])
            p.setY(p.y() * scale);
        extremes_chart_->setSegments(line_ids_[i == 0 ? HiLo : LoHi], pieces(gaps[i]));
    }
    extremes_chart_->setXRange(x0, x1);
    extremes_chart_->setYRange(lo > 0 ? lo * scale : 0.1, std::max(hi * scale, lo * scale * 10));

    QList<ChartMarker> visible;
    for (const Marker& m : markers_)
        if (m.x >= x0 && m.x <= x1) visible.append({m.x, m.text});
    for (LineChart* chart : {rate_chart_, extremes_chart_, tank_chart_})
        chart->setMarkers(visible);

    const double top_tank = draw(tank_chart_, Available).first;
    tank_chart_->setXRange(x0, x1);
    tank_chart_->setYRange(0, std::max(1.0, top_tank * 1.15));
}

void ChartPanel::updateBars(const QVector<WorkerRow>& rows) {
    QStringList categories;
    QList<double> values;
    for (const WorkerRow& r : rows) {
        if (!r.alive) continue;
        categories << QString::number(r.pid);
        values << double(r.permits);
    }
    worker_chart_->setBars(categories, values);
}

bool ChartPanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonDblClick) {
        for (int i = 0; i < charts_.size(); ++i)
            if (charts_[i]->isAncestorOf(qobject_cast<QWidget*>(watched))) {
                focusChart(focused_ == i ? -1 : i);
                return true;
            }
    }
    return QWidget::eventFilter(watched, event);
}

void ChartPanel::focusChart(int index) {
    focused_ = index >= 0 && index < charts_.size() ? index : -1;
    for (int i = 0; i < charts_.size(); ++i)
        charts_[i]->setVisible(focused_ < 0 || i == focused_);
}

void ChartPanel::setZoom(double zoom) {
    rate_chart_->setFontScale(zoom);
    extremes_chart_->setFontScale(zoom);
    tank_chart_->setFontScale(zoom);
    worker_chart_->setFontScale(zoom);
}

bool ChartPanel::hiddenBehindATab() const {
    return window()->isVisible() && !isVisible();
}

void ChartPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!paused_) render();
}

bool ChartPanel::exportPng(const QString& path, QString* error) {
    if (!paused_ && hiddenBehindATab()) render(); // exported from another tab: up to date
    const QPixmap charts = grid_->grab();
    QImage image = charts.toImage();
    const QString caption = caption_ ? caption_() : QString();
    if (!caption.isEmpty()) {
        // The title and settings above the charts: a picture that says what it shows.
        QFont font = this->font();
        font.setPointSizeF(font.pointSizeF() * 1.2);
        const QFontMetrics fm(font);
        const QRect text =
            fm.boundingRect(QRect(0, 0, charts.width() - 16, 1000), Qt::TextWordWrap, caption);
        QImage framed(charts.width(), charts.height() + text.height() + 16, QImage::Format_ARGB32);
        framed.fill(Qt::white);
        QPainter painter(&framed);
        painter.setFont(font);
        painter.setPen(Qt::black);
        painter.drawText(QRect(8, 8, charts.width() - 16, text.height()), Qt::TextWordWrap,
                         caption);
        painter.drawPixmap(0, text.height() + 16, charts);
        painter.end();
        image = framed;
    }
    if (!image.save(path, "PNG")) {
        if (error) *error = QStringLiteral("cannot write PNG '%1'").arg(path);
        return false;
    }
    return true;
}

bool ChartPanel::exportHistoryCsv(const QString& path, QString* error) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error) *error = QStringLiteral("cannot write '%1': %2").arg(path, f.errorString());
        return false;
    }
    QByteArray rows;
    CsvWriter csv(&rows);
    csv.row(QStringLiteral("t_s,latest_rate,mean_rate,hi_lo_rate,lo_hi_rate,target_rate,available,"
                           "total,marker")
                .split(u','));
    // A marker goes on the first sample at or after it (several: joined with "; ").
    auto marker = markers_.cbegin();
    for (const HistorySample& s : history_) {
        csv.field(toSeconds(s.t_ns - t0_), 'f', 4);
        for (double rate : {s.latest_rate, s.mean_rate, s.hi_lo_rate, s.lo_hi_rate, s.target_rate})
            csv.field(rate, 'g', 6);
        csv.field(qint64(s.available)).field((unsigned long long)s.total);
        QStringList here;
        for (; marker != markers_.cend() && marker->t_ns <= s.t_ns; ++marker)
            here << marker->text;
        csv.field(here.join(QStringLiteral("; ")));
        csv.endRow();
    }
    if (f.write(rows) != rows.size() || !f.commit()) {
        if (error) *error = QStringLiteral("cannot write '%1': %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace throttlelab::ui
