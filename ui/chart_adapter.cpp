#include "chart_adapter.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>

namespace throttlelab::ui {

namespace {

QChartView* makeView(QChart* chart, QWidget* parent) {
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignTop);
    chart->legend()->setFont(QFont(chart->legend()->font().family(), 8));
    QFont tf = chart->titleFont();
    tf.setBold(true);
    tf.setPointSize(9);
    chart->setTitleFont(tf);
    auto* view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing, true);
    view->setMinimumSize(260, 180);
    auto* layout = new QVBoxLayout(parent);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view);
    return view;
}

// Chart text sizes at zoom 1, in points.
constexpr double kAxisPoints = 8;
constexpr double kTitlePoints = 9;
constexpr double kLegendPoints = 8;

void styleAxis(QAbstractAxis* axis, double scale = 1.0) {
    QFont f = axis->labelsFont();
    f.setPointSizeF(kAxisPoints * scale);
    axis->setLabelsFont(f);
    QFont t = axis->titleFont();
    t.setPointSizeF(kAxisPoints * scale);
    t.setBold(false);
    axis->setTitleFont(t);
}

void scaleChart(QChart* chart, double scale) {
    QFont tf = chart->titleFont();
    tf.setPointSizeF(kTitlePoints * scale);
    chart->setTitleFont(tf);
    QFont lf = chart->legend()->font();
    lf.setPointSizeF(kLegendPoints * scale);
    chart->legend()->setFont(lf);
    for (QAbstractAxis* axis : chart->axes())
        styleAxis(axis, scale);
}

// Rounds up to 1, 2 or 5 times a power of ten, so axis labels stay readable.
double niceCeil(double v) {
    if (v <= 0) return 1;
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= v) return m * p;
    return 10 * p;
}

} // namespace

LineChart::LineChart(const QString& title, const QString& y_title, YScale y_scale, QWidget* parent)
    : QWidget(parent)
    , chart_(new QChart) {
    chart_->setTitle(title);
    view_ = makeView(chart_, this);
    auto* x = new QValueAxis;
    x->setLabelFormat(QStringLiteral("%.0f"));
    x->setTickCount(6);
    x_axis_ = x;
    if (y_scale == YScale::Log) {
        auto* y = new QLogValueAxis;
        y->setBase(10);
        y->setLabelFormat(QStringLiteral("%g"));
        y->setMinorTickCount(-1);
        y_axis_ = y;
    } else {
        auto* y = new QValueAxis;
        y->setLabelFormat(QStringLiteral("%g"));
        y->setTickCount(5);
        y_axis_ = y;
    }
    y_axis_->setTitleText(y_title);
    x_axis_->setTitleText(tr("seconds"));
    styleAxis(x_axis_);
    styleAxis(y_axis_);
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    setYRange(y_scale == YScale::Log ? 0.1 : 0, 1);
}

void LineChart::setXLog(bool log) {
    if (!log) return;
    auto* x = new QLogValueAxis;
    x->setBase(10);
    x->setLabelFormat(QStringLiteral("%g"));
    x->setTitleText(x_axis_->titleText());
    styleAxis(x);
    for (QLineSeries* s : lines_)
        s->detachAxis(x_axis_);
    chart_->removeAxis(x_axis_);
    delete x_axis_;
    x_axis_ = x;
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    for (QLineSeries* s : lines_)
        s->attachAxis(x_axis_);
}

int LineChart::addLine(const QString& name, const QColor& color, qreal width, Qt::PenStyle style,
                       bool markers) {
    auto* s = new QLineSeries;
    s->setName(name);
    QPen pen(color);
    pen.setWidthF(width);
    pen.setStyle(style);
    s->setPen(pen);
    s->setPointsVisible(markers);
    chart_->addSeries(s);
    s->attachAxis(x_axis_);
    s->attachAxis(y_axis_);
    lines_.append(s);
    return int(lines_.size()) - 1;
}

void LineChart::setPoints(int line, const QList<QPointF>& points) {
    setSegments(line, {points});
}

void LineChart::setSegments(int line, const QList<QList<QPointF>>& segments) {
    while (pieces_.size() <= line)
        pieces_.append(QList<QLineSeries*>());
    QList<QLineSeries*>& extra = pieces_[line];
    // Each piece after the first is a series of its own with the same pen, out of the legend.
    while (extra.size() < segments.size() - 1) {
        auto* s = new QLineSeries;
        s->setPen(lines_[line]->pen());
        chart_->addSeries(s);
        s->attachAxis(x_axis_);
        s->attachAxis(y_axis_);
        for (QLegendMarker* m : chart_->legend()->markers(s))
            m->setVisible(false);
        extra.append(s);
    }
    lines_[line]->replace(segments.isEmpty() ? QList<QPointF>() : segments.first());
    for (qsizetype i = 0; i < extra.size(); ++i) {
        const bool used = i + 1 < segments.size();
        extra[i]->replace(used ? segments[i + 1] : QList<QPointF>());
        extra[i]->setVisible(used);
    }
}

void LineChart::setLineName(int line, const QString& name) {
    lines_[line]->setName(name);
}

void LineChart::setLineVisible(int line, bool visible) {
    lines_[line]->setVisible(visible);
}

int LineChart::pointCount(int line) const {
    qsizetype n = lines_[line]->count();
    if (line < pieces_.size())
        for (const QLineSeries* s : pieces_[line])
            n += s->isVisible() ? s->count() : 0;
    return int(n);
}

void LineChart::setXRange(double x0, double x1) {
    if (x0 == x0_ && x1 == x1_) return;
    x0_ = x0;
    x1_ = x1;
    x_axis_->setRange(x0, x1);
}

void LineChart::setYRange(double y0, double y1) {
    if (y_axis_->type() == QAbstractAxis::AxisTypeLogValue) {
        y0 = y0 > 0 ? std::pow(10.0, std::floor(std::log10(y0))) : 0.1;
        y1 = y1 > y0 ? std::pow(10.0, std::ceil(std::log10(y1 * 1.05))) : y0 * 10;
    } else {
        y1 = niceCeil(y1);
    }
    if (y0 == y0_ && y1 == y1_) return;
    y0_ = y0;
    y1_ = y1;
    y_axis_->setRange(y0, y1);
    placeMarkers();
}

void LineChart::setFontScale(double scale) {
    scaleChart(chart_, scale);
}

void BarChart::setFontScale(double scale) {
    scaleChart(chart_, scale);
}

void LineChart::setMarkers(const QList<ChartMarker>& markers) {
    markers_ = markers;
    while (marker_lines_.size() < markers_.size()) {
        auto* line = new QLineSeries;
        QPen pen(QColor(90, 90, 90));
        pen.setWidthF(1.0);
        pen.setStyle(Qt::DotLine);
        line->setPen(pen);
        chart_->addSeries(line);
        line->attachAxis(x_axis_);
        line->attachAxis(y_axis_);
        for (QLegendMarker* m : chart_->legend()->markers(line))
            m->setVisible(false);
        const qsizetype index = marker_lines_.size();
        connect(line, &QLineSeries::hovered, this, [this, index](const QPointF&, bool on) {
            if (on && index < markers_.size())
                QToolTip::showText(QCursor::pos(), markers_[index].text, this);
        });
        marker_lines_.append(line);
    }
    placeMarkers();
}

void LineChart::placeMarkers() {
    for (qsizetype i = 0; i < marker_lines_.size(); ++i) {
        QLineSeries* line = marker_lines_[i];
        if (i < markers_.size()) {
            const double x = markers_[i].x;
            line->replace(QList<QPointF>{{x, y0_}, {x, y1_}});
            line->setVisible(true);
        } else {
            line->setVisible(false);
        }
    }
}

void LineChart::setXTitle(const QString& title) {
    x_axis_->setTitleText(title);
}

void LineChart::setYTitle(const QString& title) {
    y_axis_->setTitleText(title);
}

int LineChart::plotWidth() const {
    return std::max(1, int(chart_->plotArea().width()));
}

void BarChart::setXTitle(const QString& title) {
    x_axis_->setTitleText(title);
}

BarChart::BarChart(const QString& title, const QString& y_title, const QColor& color,
                   QWidget* parent)
    : QWidget(parent)
    , chart_(new QChart)
    , set_(new QBarSet(y_title))
    , series_(new QBarSeries)
    , x_axis_(new QBarCategoryAxis)
    , y_axis_(new QValueAxis) {
    chart_->setTitle(title);
    view_ = makeView(chart_, this);
    set_->setColor(color);
    set_->setBorderColor(color.darker(130));
    series_->append(set_);
    chart_->addSeries(series_);
    chart_->legend()->hide();
    y_axis_->setTitleText(y_title);
    y_axis_->setLabelFormat(QStringLiteral("%g"));
    y_axis_->setTickCount(5);
    styleAxis(x_axis_);
    styleAxis(y_axis_);
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    series_->attachAxis(x_axis_);
    series_->attachAxis(y_axis_);
    y_axis_->setRange(0, 1);
}

void BarChart::setBars(const QStringList& categories, const QList<double>& values) {
    if (categories != categories_) {
        // A new set of workers: rebuild. Otherwise only the values move (cheap).
        categories_ = categories;
        set_->remove(0, set_->count());
        set_->append(values);
        x_axis_->clear();
        x_axis_->append(categories);
    } else {
        for (int i = 0; i < values.size(); ++i)
            if (set_->at(i) != values[i]) set_->replace(i, values[i]);
    }
    double top = 0;
    for (double v : values)
        top = std::max(top, v);
    const double y1 = niceCeil(top * 1.1);
    if (y1 != y1_) {
        y1_ = y1;
        y_axis_->setRange(0, y1);
    }
}

int BarChart::barCount() const {
    return int(set_->count());
}

} // namespace throttlelab::ui
