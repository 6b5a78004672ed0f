#pragma once
// The live charts: rate against target, instantaneous extremes, the tank, permits per worker.
// A 30 Hz timer copies new history points out of shared memory into ring buffers (never
// waiting on the engine) and redraws each line once, decimated to the plot's pixel columns.
#include "engine_session.h"
#include "experiment.h"
#include "frame_stats.h"
#include "saved_run.h"
#include "series_buffer.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <deque>
#include <functional>

class QComboBox;
class QPushButton;
class QLabel;

namespace throttlelab::ui {

class LineChart;
class BarChart;

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    enum Series { Latest, Mean, Target, HiLo, LoHi, Available, SeriesCount };

    explicit ChartPanel(EngineSession* session, QWidget* parent = nullptr);
    ~ChartPanel() override;

    void setPaused(bool paused);
    bool isPaused() const { return paused_; }
    void setWindowSeconds(double seconds);
    double windowSeconds() const { return window_s_; }
    // Points currently drawn for a series; tests read it to see that data arrives.
    int drawnPoints(Series s) const;
    int workerBars() const;
    std::size_t samplesKept() const { return history_.size(); }

    // The PNG carries `caption` (the experiment's title and settings) above the charts.
    bool exportPng(const QString& path, QString* error);
    // Asked at each export, so the caption is the settings of that moment.
    void setCaption(std::function<QString()> caption) { caption_ = std::move(caption); }
    // Presentation: chart text scaled by `zoom` (1 = normal).
    void setZoom(double zoom);
    // One chart takes the whole panel (a double-click on it does this, another gives the
    // others back); -1 shows all four.
    void focusChart(int index);
    int focusedChart() const { return focused_; }
    // Pieces the rate chart's latest line is drawn in now (1 without a break in view).
    int latestPieces() const { return latest_pieces_; }
    bool exportHistoryCsv(const QString& path, QString* error) const;
    // A saved run's latest rate drawn under the live one, both from their own start (the
    // live run's is its last clean run), until cleared.
    void setOverlay(const SavedRun& run);
    void clearOverlay();
    bool hasOverlay() const { return overlay_.has_value(); }
    int drawnOverlayPoints() const;

    void setFrameStatsEnabled(bool on) { frame_stats_enabled_ = on; }
    const FrameStats& frameStats() const { return frame_stats_; }
    // Runs one refresh at once (the timer's job), for tests and screenshots.
    void refresh() { tick(); }

    // A marker on every chart's timeline, now: what the user did or what happened. Kept (the
    // newest kMarkersKept), drawn while in the window, and written in the history CSV.
    void addMarker(const QString& text);
    QStringList markerTexts() const;
    // The markers with their times (seconds on this panel's timeline), for a saved experiment.
    QList<TimelineMarker> markers() const;
    // Markers drawn on the rate chart now (those in the window).
    int drawnMarkers() const;
    // Forgets what was drawn (a clean run): lines, bars, scales; the markers stay, since the
    // timeline goes on.
    void clearRun();
    // The gap chart's unit now ("us", "ms" or "s"): the one its axis reads in.
    QString gapUnit() const { return gap_unit_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    std::optional<SavedRun> overlay_;
    int overlay_line_ = -1;
    double run_start_x_ = 0; // where the live run began on this panel's timeline
    void tick();
    void render();
    bool hiddenBehindATab() const;
    void updateBars(const QVector<WorkerRow>& rows);
    struct Marker {
        Nanos t_ns;
        double x;
        QString text;
    };
    std::deque<Marker> markers_;
    QString gap_unit_ = QStringLiteral("ms");
    std::function<QString()> caption_;
    // Where data resumed after a stop or an idle period: lines break there instead of drawing
    // a ramp across the silence.
    std::deque<double> breaks_;
    int focused_ = -1;
    int latest_pieces_ = 0;
    QList<QWidget*> charts_; // in grid order: rate, gaps, tank, workers

    EngineSession* session_;
    QTimer timer_;
    Nanos t0_;
    std::uint64_t next_index_ = 0;
    double last_x_ = -1;
    SeriesBuffer buffers_[SeriesCount];
    std::deque<HistorySample> history_; // raw, for the CSV export
    bool paused_ = false;
    double window_s_ = 30;
    LineChart* rate_chart_;
    LineChart* extremes_chart_;
    LineChart* tank_chart_;
    BarChart* worker_chart_;
    QWidget* grid_;
    QComboBox* window_box_;
    QPushButton* pause_button_;
    int line_ids_[SeriesCount] = {};
    bool frame_stats_enabled_ = false;
    FrameStats frame_stats_;
};

} // namespace throttlelab::ui
