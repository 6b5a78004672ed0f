#pragma once
// The only place that knows Qt Charts (deprecated from Qt 6.10 in favour of Qt Graphs): the
// panels talk to these small classes, so a change of backend touches this file alone.
#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
class QLogValueAxis;
class QAbstractAxis;
class QBarSet;
class QBarSeries;
class QBarCategoryAxis;
QT_END_NAMESPACE

namespace throttlelab::ui {

// An event on the timeline (a preset loaded, a setting changed, a worker crashed): a vertical
// line across the chart whose text shows on hover.
struct ChartMarker {
    double x = 0;
    QString text;
};

// Lines over a time (or any numeric) x axis. Raster only: OpenGL series crash offscreen.
class LineChart : public QWidget {
    Q_OBJECT
public:
    enum class YScale { Linear, Log };
    explicit LineChart(const QString& title, const QString& y_title,
                       YScale y_scale = YScale::Linear, QWidget* parent = nullptr);
    int addLine(const QString& name, const QColor& color, qreal width = 2.0,
                Qt::PenStyle style = Qt::SolidLine, bool markers = false);
    // One call per series per frame: the whole visible line at once.
    void setPoints(int line, const QList<QPointF>& points);
    // The same line in pieces, with nothing drawn between them (a stop, an idle period).
    void setSegments(int line, const QList<QList<QPointF>>& segments);
    int pointCount(int line) const;
    // A line that is there only sometimes (a saved run's overlay): its name and whether it,
    // and its legend entry, show.
    void setLineName(int line, const QString& name);
    void setLineVisible(int line, bool visible);
    void setXRange(double x0, double x1);
    // Only moves the axis when the range changed visibly: a relayout costs more than a frame.
    void setYRange(double y0, double y1);
    void setXTitle(const QString& title);
    void setYTitle(const QString& title);
    void setXLog(bool log);
    // Pixels available for the plot area: the decimation's column count.
    int plotWidth() const;
    // Scales the chart's title, legend and axis fonts (presentation zoom).
    void setFontScale(double scale);
    // The markers to draw (those in the x range); each spans the current y range.
    void setMarkers(const QList<ChartMarker>& markers);
    int markerCount() const { return int(markers_.size()); }

private:
    void placeMarkers();
    QList<ChartMarker> markers_;
    QList<QList<QLineSeries*>> pieces_; // per line: the series after its first piece
    QList<QLineSeries*> marker_lines_;  // a pool, reused frame to frame
    QChart* chart_;
    QChartView* view_;
    QAbstractAxis* x_axis_;
    QAbstractAxis* y_axis_;
    QList<QLineSeries*> lines_;
    double y0_ = 0, y1_ = 0;
    double x0_ = 0, x1_ = 0;
};

// One bar per category, e.g. permits per worker.
class BarChart : public QWidget {
    Q_OBJECT
public:
    BarChart(const QString& title, const QString& y_title, const QColor& color,
             QWidget* parent = nullptr);
    void setFontScale(double scale);
    void setXTitle(const QString& title);
    void setBars(const QStringList& categories, const QList<double>& values);
    int barCount() const;

private:
    QChart* chart_;
    QChartView* view_;
    QBarSet* set_;
    QBarSeries* series_;
    QBarCategoryAxis* x_axis_;
    QValueAxis* y_axis_;
    QStringList categories_;
    double y1_ = 0;
};

} // namespace throttlelab::ui
